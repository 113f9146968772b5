"""Runs one ```pycon block with Python's own doctest and reports each failure as JSON.

pyguide writes the block to a file and runs `python doctest_harness.py BLOCK_FILE`.
Output on stdout: a JSON list of {"line", "source", "want", "got"}; line is 0-based
within the block. ELLIPSIS is on, so `...` in shown output matches addresses and ids.
"""
import doctest
import json
import sys
import traceback

path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    text = f.read()

failures = []


class Collect(doctest.DocTestRunner):
    def report_start(self, out, test, example):
        pass

    def report_success(self, out, test, example, got):
        pass

    def report_failure(self, out, test, example, got):
        failures.append(
            {"line": example.lineno, "source": example.source, "want": example.want, "got": got}
        )

    def report_unexpected_exception(self, out, test, example, exc_info):
        got = "Traceback (most recent call last):\n  ...\n" + "".join(
            traceback.format_exception_only(exc_info[0], exc_info[1])
        )
        failures.append(
            {"line": example.lineno, "source": example.source, "want": example.want, "got": got}
        )


globs = {"__name__": "__main__", "__builtins__": __builtins__}
test = doctest.DocTestParser().get_doctest(text, globs, "block", path, 0)
runner = Collect(optionflags=doctest.ELLIPSIS, verbose=False)
runner.run(test, out=lambda s: None, clear_globs=False)
sys.stdout.write(json.dumps(failures))
