"""manage.py export_labelled: labelled drawings as NPZ (for ml.train --extra) or CSV."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recognizer.drawings.filters import DrawingFilter
from recognizer.models import Drawing
from recognizer.review import exports

ERROR_FILTER_SYNTAX = "Write each filter as NAME=VALUE, e.g. --filter label=3; got {text!r}."
ERROR_FILTER = "Bad filter: {errors}"


class Command(BaseCommand):
    help = "Export labelled drawings (28x28 inputs, labels, ids) as NPZ or CSV."

    def add_arguments(self, parser):
        parser.add_argument("output", type=Path, help="file to write (.npz or .csv)")
        parser.add_argument("--format", choices=sorted(exports.FORMATS), help="default: suffix")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="the API's list filters: label, digit, misclassified, model_version, source, ...",
        )
        parser.add_argument(
            "--include-excluded", action="store_true", help="also drawings kept out of training"
        )

    def handle(self, *args, output: Path, format, filter, include_excluded, **options):
        fmt = format or output.suffix.lstrip(".").lower()
        if fmt not in exports.FORMATS:
            raise CommandError("Name the file .npz or .csv, or pass --format.")
        drawings = Drawing.objects.all()
        if not include_excluded:
            drawings = drawings.filter(excluded_from_training=False)
        content, count = exports.export(self._filtered(drawings, filter), fmt)
        output.write_bytes(content)
        self.stdout.write(f"Wrote {count} labelled drawing(s) to {output}")

    def _filtered(self, drawings, filters: list[str]):
        pairs = [text.partition("=") for text in filters]
        if any(not sep or not name for name, sep, _ in pairs):
            bad = next(text for text, (n, s, _) in zip(filters, pairs) if not s or not n)
            raise CommandError(ERROR_FILTER_SYNTAX.format(text=bad))
        filterset = DrawingFilter({name: value for name, _, value in pairs}, queryset=drawings)
        if not filterset.is_valid():
            raise CommandError(ERROR_FILTER.format(errors=dict(filterset.errors)))
        return filterset.qs
