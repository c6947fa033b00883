"""``handouts serve``: the front desk's web app (Flask, served by waitress).

One module per concern: :mod:`.app` (settings, checks on every request, errors, access
log), :mod:`.routes` (the endpoints), :mod:`.forms` (the fields), :mod:`.builder`
(worker processes with a deadline), :mod:`.preview` (pages as images),
:mod:`.options` (what the form lists), :mod:`.server` (waitress and the address rules).
The page's template and assets ship inside the package: nothing comes from a CDN.
"""
