import signal

from tracker.cli import main

signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `… | head` ends quietly
raise SystemExit(main())
