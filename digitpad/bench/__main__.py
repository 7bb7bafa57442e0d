import sys

from digitpad.bench.run import main

sys.exit(main())
