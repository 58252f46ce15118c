def build = evaluate(new File(verifySupport)).newInstance(basedir)

// instrument (main: Counter) then instrument-test (the test class and its lambda).
def summaries = build.summaries()
assert summaries.size() == 2 : "expected summaries of instrument and instrument-test, got ${summaries}"
assert summaries[0] == [1, 1, 1, 0] : "instrument: ${summaries[0]}"
def (scanned, rewritten, methods, refused) = summaries[1]
assert rewritten == 1 && methods == 4 && refused == 0 : "instrument-test: ${summaries[1]}"

assert build.linesWith('Tests run: 3, Failures: 0, Errors: 0, Skipped: 0').size() >= 1 : 'the three tests ran and passed'
return true
