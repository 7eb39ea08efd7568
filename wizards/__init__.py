from . import cobranza_wizard_mixin
from . import cobranza_call_wizard
from . import cobranza_reminder_wizard
from . import cobranza_snooze_wizard
from . import cobranza_assign_wizard
from . import cobranza_exclude_wizard
