"""The `coresponder` command: Django's manage.py under the program's own name."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    # Safe by default: everything runs with production settings unless told
    # otherwise, except the demo, which exists to run on a laptop.
    default = "coresponder.settings.dev" if argv[1:2] == ["demo"] else "coresponder.settings.prod"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", default)
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as error:
        # A configuration mistake deserves a sentence, not a traceback.
        sys.stderr.write(f"coresponder: {error}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
