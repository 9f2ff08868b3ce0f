// Where require.js finds the widgets' HTML manager: in this script's folder (the build's
// _static/widgets/). The manager loads its icon fonts relative to its module's address, which
// require.js would otherwise place under the page's own folder, where there are none.
(function () {
  var here = document.currentScript.src.split("?")[0].replace(/\/[^/]*$/, "");
  window.require.config({paths: {"@jupyter-widgets/html-manager/dist": here}});
})();
