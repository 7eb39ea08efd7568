from . import models
from . import wizards
from . import controllers
