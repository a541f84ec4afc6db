"""The pages' shared layer: one layout, form macros, stylesheet, French filters, cookies.

Each service renders its own pages with `page_templates` (its templates first, then these),
serves the stylesheet with `mount_static`, signs people in with `Sessions` (server-side
sessions behind the cookies, `session`) and turns validation errors into per-field French
messages with `form_errors`; while it starts, `starting_response` answers a French 503 page
(JSON for API clients). See docs/web.md.
"""

from vieasso.common.web.forms import form_errors
from vieasso.common.web.pages import Urls, mount_static, page_templates, site_urls
from vieasso.common.web.session import (
    ADMIN_COOKIE,
    ASSOCIATION_COOKIE,
    Sessions,
    cookie_name,
    sessions_of,
)
from vieasso.common.web.session_store import Kind
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
    "Kind",
    "ServiceStarting",
    "Sessions",
    "Urls",
    "cookie_name",
    "form_errors",
    "install_starting_page",
    "mount_static",
    "page_templates",
    "sessions_of",
    "site_urls",
    "starting_response",
]
