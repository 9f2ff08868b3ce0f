"""A Sphinx extension: every script once per page.

Jupyter Book 1's extensions register some inline scripts twice (sphinx-thebe's
``const THEBE_JS_URL = ...``, whose second copy throws "Identifier 'THEBE_JS_URL' has already
been declared"), and ``require.js`` comes both from ``html_js_files`` and from the widgets'
scripts (``nb_ipywidgets_js``). This keeps the first of identical scripts, in the order the
page loads them.
"""


def unique_scripts(scripts: list) -> list:
    """``scripts`` by priority, each (file, attributes) once, the first kept."""
    seen, unique = set(), []
    for script in sorted(scripts, key=lambda s: getattr(s, "priority", 500)):
        attributes = getattr(script, "attributes", {}) or {}
        # An inline script's file is None or "" depending on who added it: the same script.
        key = (str(getattr(script, "filename", script) or ""), tuple(sorted(attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    return unique


def _page_context(app, pagename, templatename, context, doctree):
    if context.get("script_files"):
        context["script_files"] = unique_scripts(context["script_files"])


def setup(app):
    # After every handler that adds scripts to the page (default priority 500).
    app.connect("html-page-context", _page_context, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
