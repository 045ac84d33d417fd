"""gunicorn reads this file from the working directory by itself: every command in README
and scripts/demo.sh gets it. It keeps holder secrets out of the access and error logs; turn
the access log on with --access-logfile (it is off by default)."""
from gunicorn.glogging import Logger

from core.divisions import default_divisions
from core.logs import MaskSecrets


class SecretMaskingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            log.addFilter(MaskSecrets())


logger_class = SecretMaskingLogger


def post_worker_init(worker):
    """Read the table of China's counties before the worker takes requests: every form with
    a county needs it, and reading it takes a second or more (core/divisions.py)."""
    default_divisions()
