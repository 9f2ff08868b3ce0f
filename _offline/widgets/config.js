// Where require.js places the widgets' modules: in this script's folder (the build's
// _static/widgets/). embed-amd.js defines them all itself, but each loads its icon fonts
// relative to its module's address, which require.js would otherwise place under the page's
// own folder (chapters/@jupyter-widgets/...), where there are none.
(function () {
  var here = document.currentScript.src.split("?")[0].replace(/\/[^/]*$/, "");
  window.require.config({paths: {
    "@jupyter-widgets/html-manager/dist": here,
    "@jupyter-widgets": here,
  }});
})();
