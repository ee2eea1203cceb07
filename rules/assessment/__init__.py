"""An assessment's events: their names (``names``) and their fold into a state (``state``),
the same for the service that writes them and every service that reads them."""
