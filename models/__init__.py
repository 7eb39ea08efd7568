from . import cobranza_policy
from . import cobranza_policy_level
from . import cobranza_segment
from . import res_company
from . import res_config_settings
from . import res_partner
from . import account_move
from . import cobranza_demo
