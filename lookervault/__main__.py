from lookervault.cli import main

raise SystemExit(main())
