/* Printing: the "Drucken" button of the report (/bericht) opens the browser's print dialog, and
   before any page is printed its responsive charts are given the printable width of A4 landscape
   (a chart drawn for a 1920 px window would be cut off on paper); afterwards they follow the
   window again; so do the tables' columns. The report's own charts have fixed sizes and are left
   alone.
   A file of its own because the Content-Security-Policy forbids inline scripts. */
(function () {
    "use strict";

    // Printable width of A4 landscape with 12 mm margins: 273 mm = about 1030 CSS px, less the
    // page's padding.
    var PRINT_WIDTH = 980;
    var resized = [];
    var printing = false;

    document.addEventListener("click", function (event) {
        var target = event.target;
        if (target && target.closest && target.closest("#report-print-button")) {
            window.print();
        }
    });

    function responsiveGraphs() {
        return Array.prototype.filter.call(
            document.querySelectorAll(".js-plotly-plot"),
            function (gd) { return !gd.closest(".kim-report-graph"); }
        );
    }

    // The tables' columns have pixel widths worked out for the window: wider than the paper, they
    // would make the browser shrink the whole printout.
    function gridApis() {
        if (!window.dash_ag_grid || !window.dash_ag_grid.getApi) { return []; }
        return Array.prototype.map.call(document.querySelectorAll(".kim-table[id]"), function (el) {
            try { return window.dash_ag_grid.getApi(el.id); } catch (e) { return null; }
        }).filter(function (api) { return api && api.sizeColumnsToFit; });
    }

    function beforePrint() {
        if (printing) { return; }
        printing = true;
        if (window.Plotly) {
            responsiveGraphs().forEach(function (gd) {
                if (gd.offsetWidth > PRINT_WIDTH) {
                    resized.push(gd);
                    window.Plotly.relayout(gd, { width: PRINT_WIDTH });
                }
            });
        }
        gridApis().forEach(function (api) { api.sizeColumnsToFit(PRINT_WIDTH); });
    }

    function afterPrint() {
        if (!printing) { return; }
        printing = false;
        var graphs = resized;
        resized = [];
        graphs.forEach(function (gd) {
            if (document.body.contains(gd)) {
                window.Plotly.relayout(gd, { width: null, autosize: true });
            }
        });
        gridApis().forEach(function (api) { api.sizeColumnsToFit(); });
    }

    window.addEventListener("beforeprint", beforePrint);
    window.addEventListener("afterprint", afterPrint);
    // Also when print media is switched on without a print dialog (e.g. emulated media).
    if (window.matchMedia) {
        var query = window.matchMedia("print");
        var onChange = function (e) { if (e.matches) { beforePrint(); } else { afterPrint(); } };
        if (query.addEventListener) { query.addEventListener("change", onChange); }
    }
}());
