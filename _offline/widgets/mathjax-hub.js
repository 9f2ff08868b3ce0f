// The widgets' HTML manager typesets each label with MathJax 2's call, MathJax.Hub.Queue, as
// soon as window.MathJax exists. The book loads MathJax 3, which has no Hub: this gives it that
// one call, done with MathJax 3's typesetPromise once MathJax has started.
(function () {
  var hub = {
    Queue: function (job) {
      var mathjax = window.MathJax;
      var element = Array.isArray(job) ? job[2] : undefined;
      if (!mathjax || !mathjax.startup || !mathjax.startup.promise) {
        return;
      }
      mathjax.startup.promise.then(function () {
        return mathjax.typesetPromise(element ? [element] : undefined);
      });
    },
  };
  function attach() {
    // Only on MathJax itself (it has a version), never on the configuration Sphinx may set
    // before MathJax loads, which MathJax would take as options.
    if (window.MathJax && window.MathJax.version && !window.MathJax.Hub) {
      window.MathJax.Hub = hub;
    }
  }
  attach();
  document.addEventListener("DOMContentLoaded", attach);
  window.addEventListener("load", attach);
})();
