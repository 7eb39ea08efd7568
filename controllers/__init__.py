from . import portal
from . import whatsapp
