// Three builds ran (invoker.properties): under the agent, then clean verify, then verify again.
def build = evaluate(new File(verifySupport)).newInstance(basedir)

// instrument: the first build rewrote App, the second found it up to date.
// (instrument-test has no test classes here and prints no summary.)
def summaries = build.summaries()
assert summaries.size() == 2 : "expected two weft summary lines, got ${summaries}"
def (scanned, rewritten, methods, refused) = summaries[0]
assert scanned == 1 && rewritten == 1 && methods == 7 && refused == 0 : "first build: ${summaries[0]}"
assert summaries[1] == [1, 0, 0, 0] : "second build must rewrite nothing: ${summaries[1]}"

// The coroutine frames were written beside App.class.
def classes = new File(basedir, 'target/classes/dev/weft/it/single')
assert classes.list().findAll { it.startsWith('App$async$') }.size() == 7

// The agent rewrote App at load time, refusing nothing.
assert build.linesWith('[weft] rewrote dev.weft.it.single.App:').size() == 1 : build.linesWith('[weft]')
assert build.linesWith('loads unchanged').isEmpty() : build.linesWith('loads unchanged')

// The program printed expected-output.txt in all three builds: the agent's the same as the plugin's.
assert build.programRuns() == 3 : "program output differs from expected-output.txt; see build.log"
return true
