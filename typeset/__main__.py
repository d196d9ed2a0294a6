from typeset.cli import main

raise SystemExit(main())
