"""The pages' shared layer: one layout, form macros, stylesheet, French filters, cookies.

Each service renders its own pages with `page_templates` (its templates first, then these),
serves the stylesheet with `mount_static`, signs people in with the `session` cookies and
turns validation errors into per-field French messages with `form_errors`; while it starts,
`starting_response` answers a French 503 page (JSON for API clients). See docs/web.md.
"""

from vieasso.common.web.forms import form_errors
from vieasso.common.web.pages import Urls, mount_static, page_templates, site_urls
from vieasso.common.web.session import (
    ADMIN_COOKIE,
    ASSOCIATION_COOKIE,
    admin_credentials,
    association_credentials,
    clear_cookies,
    set_admin_cookie,
    set_association_cookie,
)
from vieasso.common.web.starting import (
    STARTING,
    ServiceStarting,
    install_starting_page,
    starting_response,
)

__all__ = [
    "ADMIN_COOKIE",
    "ASSOCIATION_COOKIE",
    "STARTING",
    "ServiceStarting",
    "Urls",
    "admin_credentials",
    "association_credentials",
    "clear_cookies",
    "form_errors",
    "install_starting_page",
    "mount_static",
    "page_templates",
    "set_admin_cookie",
    "set_association_cookie",
    "site_urls",
    "starting_response",
]
