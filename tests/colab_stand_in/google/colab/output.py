"""``google.colab.output``: the calls the course makes (ipywidgets 8's widget manager).

JAX imports this module when it finds ``google.colab`` loaded (its debugger draws in Colab's
output area); it calls nothing here unless its debugger runs.
"""

custom_widget_manager_enabled = False  # the stand-in's record of the two calls below


def enable_custom_widget_manager():
    """Let third-party widgets (ipywidgets 8 in Colab) render in the notebook's outputs."""
    global custom_widget_manager_enabled
    custom_widget_manager_enabled = True


def disable_custom_widget_manager():
    """Back to Colab's built-in widget manager."""
    global custom_widget_manager_enabled
    custom_widget_manager_enabled = False
