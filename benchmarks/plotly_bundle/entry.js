'use strict';
// KIM-Cockpit's plotly.js: core (scatter) + the trace types the dashboard draws.
var Plotly = require('plotly.js/lib/core');
Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/sankey'),
]);
module.exports = Plotly;
