/* KIM-Cockpit display modes in the browser: presentation mode and the high-contrast theme.
 *
 * Both live in the URL (`praesentation=1`, `kontrast=hoch`; dashboard/urlstate.py validates them
 * on the server, which draws the charts for the mode). This file
 *   - mirrors them as classes on <html> (`kim-presentation`, `kim-contrast-high`) for app.css,
 *     and as aria-pressed on the header's two switches, whenever the URL changes;
 *   - makes the switches rewrite the URL (a Dash navigation, like a dcc.Link: pushState plus
 *     Dash's `_dashprivate_pushstate` event, so the router redraws the page);
 *   - in presentation mode: ArrowRight/PageDown and ArrowLeft/PageUp step to the next and the
 *     previous page of the navigation (the links in the DOM, so pages the role may not see are
 *     skipped), Escape leaves the mode. Keys are left alone while a form control has the focus.
 * Served from assets/ because the Content-Security-Policy forbids inline scripts.
 */
(function () {
    "use strict";

    var PRESENTATION = "praesentation";
    var CONTRAST = "kontrast";

    function params() {
        return new URLSearchParams(window.location.search);
    }

    function isOn(name) {
        var value = params().get(name);  // the first value counts, as on the server
        if (value === null) { return false; }
        value = value.trim().toLowerCase();
        return name === PRESENTATION ? value === "1" : value === "hoch";
    }

    function navigate(search) {
        var url = window.location.pathname + (search ? "?" + search : "") + window.location.hash;
        window.history.pushState({}, "", url);
        window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
        sync();
    }

    function setMode(name, on) {
        var p = params();
        p.delete(name);
        if (on) { p.append(name, name === PRESENTATION ? "1" : "hoch"); }
        navigate(p.toString());
    }

    function sync() {
        var root = document.documentElement;
        var presenting = isOn(PRESENTATION);
        var contrast = isOn(CONTRAST);
        root.classList.toggle("kim-presentation", presenting);
        root.classList.toggle("kim-contrast-high", contrast);
        var p = document.getElementById("kim-presentation-toggle");
        if (p) {
            p.setAttribute("aria-pressed", presenting ? "true" : "false");
            p.textContent = presenting ? "Präsentation beenden" : "Präsentation";
        }
        var c = document.getElementById("kim-contrast-toggle");
        if (c) { c.setAttribute("aria-pressed", contrast ? "true" : "false"); }
    }

    // Dash changes the URL with pushState/replaceState (filter bar, links): follow every change.
    ["pushState", "replaceState"].forEach(function (name) {
        var original = window.history[name];
        window.history[name] = function () {
            var result = original.apply(this, arguments);
            sync();
            return result;
        };
    });
    window.addEventListener("popstate", sync);

    document.addEventListener("click", function (event) {
        var target = event.target.closest ? event.target.closest("button") : null;
        if (!target) { return; }
        if (target.id === "kim-presentation-toggle") {
            setMode(PRESENTATION, !isOn(PRESENTATION));
        } else if (target.id === "kim-contrast-toggle") {
            setMode(CONTRAST, !isOn(CONTRAST));
        }
    });

    function typing(element) {
        if (!element) { return false; }
        var tag = element.tagName;
        return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" ||
            element.isContentEditable || !!element.closest(".ag-root-wrapper");
    }

    function step(direction) {
        var links = Array.prototype.slice.call(document.querySelectorAll("#kim-nav a.kim-nav-link"));
        if (!links.length) { return; }
        var current = -1;
        links.forEach(function (link, i) { if (link.classList.contains("active")) { current = i; } });
        var next = current + direction;
        if (current < 0) { next = direction > 0 ? 0 : links.length - 1; }
        if (next < 0 || next >= links.length) { return; }  // first or last slide: stay
        links[next].click();
        window.scrollTo(0, 0);
    }

    document.addEventListener("keydown", function (event) {
        if (!isOn(PRESENTATION) || event.altKey || event.ctrlKey || event.metaKey ||
            event.shiftKey || typing(document.activeElement)) {
            return;
        }
        if (event.key === "ArrowRight" || event.key === "PageDown") {
            event.preventDefault();
            step(1);
        } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
            event.preventDefault();
            step(-1);
        } else if (event.key === "Escape") {
            event.preventDefault();
            setMode(PRESENTATION, false);
        }
    });

    // Presentation mode: print each Sankey link's value on the link (nobody hovers on a
    // projector). The value is the link's customdata (dashboard/components/transition_charts.py:
    // the formatted count, "•" when suppressed; "" for the invisible ballast flow).
    var SVG = "http://www.w3.org/2000/svg";

    function labelSankeyLinks(graph) {
        Array.prototype.forEach.call(graph.querySelectorAll(".kim-link-label"), function (t) {
            t.remove();
        });
        if (!isOn(PRESENTATION)) { return; }
        Array.prototype.forEach.call(graph.querySelectorAll("path.sankey-link"), function (path) {
            var d = path.__data__;
            var link = d ? d.link : null;
            var text = link ? link.customdata : null;
            if (!text || !link.source || !link.target) { return; }
            // The centre of the band, halfway between the two nodes (the path's own frame).
            var middle = {x: (link.source.x1 + link.target.x0) / 2, y: (link.y0 + link.y1) / 2};
            if (!isFinite(middle.x) || !isFinite(middle.y)) { return; }
            var label = document.createElementNS(SVG, "text");
            label.setAttribute("class", "kim-link-label");
            label.setAttribute("x", middle.x);
            label.setAttribute("y", middle.y);
            label.setAttribute("text-anchor", "middle");
            label.setAttribute("dominant-baseline", "central");
            label.textContent = String(text);
            path.parentNode.appendChild(label);
        });
    }

    function watchGraphs() {
        Array.prototype.forEach.call(document.querySelectorAll(".js-plotly-plot"), function (gd) {
            if (gd.kimWatched || typeof gd.on !== "function") { return; }
            gd.kimWatched = true;
            gd.on("plotly_afterplot", function () { labelSankeyLinks(gd); });
            labelSankeyLinks(gd);
        });
    }
    new MutationObserver(watchGraphs).observe(document.documentElement,
                                               {childList: true, subtree: true});

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", sync);
    } else {
        sync();
    }
    // The header is drawn by Dash after this script ran: sync once it is there.
    new MutationObserver(function (records, observer) {
        if (document.getElementById("kim-presentation-toggle")) {
            sync();
            observer.disconnect();
        }
    }).observe(document.documentElement, {childList: true, subtree: true});
}());
