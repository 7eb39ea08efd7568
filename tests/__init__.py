from . import test_configuration
from . import test_demo
from . import test_tours
from . import test_run
from . import test_plans
from . import test_contact_rules
from . import test_portal
from . import test_portal_security
