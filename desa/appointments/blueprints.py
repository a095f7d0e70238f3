"""The appointments blueprints, in the order the app registers them."""

from desa.appointments.api import bp as api_bp
from desa.appointments.group_views import bp as group_bp
from desa.appointments.list_views import bp as lists_bp
from desa.appointments.paper_views import bp as papers_bp
from desa.appointments.public_views import bp as public_bp
from desa.appointments.self_views import bp as self_bp
from desa.appointments.staff_views import bp as staff_bp
from desa.appointments.ticket_views import bp as tickets_bp

BLUEPRINTS = (
    api_bp,
    tickets_bp,
    papers_bp,
    lists_bp,
    staff_bp,
    group_bp,
    self_bp,
    public_bp,
)
