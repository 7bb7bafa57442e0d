import faulthandler
import signal
import sys

from digitpad.bench.run import main

faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 <pid>`: where a long run is, on stderr
sys.exit(main())
