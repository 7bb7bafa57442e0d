import faulthandler
import signal
import sys

faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 <pid>`: where a long run is, on stderr

from digitpad.bench.run import main  # noqa: E402 - after the handler: a signal while importing must not kill it

sys.exit(main())
