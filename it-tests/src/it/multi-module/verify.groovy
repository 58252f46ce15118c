def build = evaluate(new File(verifySupport)).newInstance(basedir)

// One summary per module for instrument (instrument-test has no test classes here).
def summaries = build.summaries()
assert summaries.size() == 2 : "expected a weft summary for lib and app, got ${summaries}"
assert summaries.every { it[1] >= 1 && it[3] == 0 } : "each module rewrites something, refuses nothing: ${summaries}"
assert summaries.collect { it[2] }.sort() == [2, 3] : "lib rewrites 3 methods, app 2: ${summaries}"

assert new File(basedir, 'lib/target/classes/dev/weft/it/multi/lib/Prices$async$cheapest$1.class').isFile()
assert new File(basedir, 'app/target/classes/dev/weft/it/multi/app/Main$async$quote$0.class').isFile()

// Compiled for the running JDK (invoker.properties), and rewritten in that class file version.
def major = { File f -> f.withDataInputStream { it.readInt(); it.readUnsignedShort(); it.readUnsignedShort() } }
int expected = Runtime.version().feature() + 44
assert major(new File(basedir, 'app/target/classes/dev/weft/it/multi/app/Main.class')) == expected
assert major(new File(basedir, 'app/target/classes/dev/weft/it/multi/app/Main$async$quote$0.class')) == expected

// -T 2 would warn about a plugin that is not thread-safe.
assert build.linesWith('thread-safe').isEmpty() && build.linesWith('threadSafe').isEmpty() : build.linesWith('thread')

// The first build ran the program under the agent, which rewrote the classes of both modules at load time.
assert !build.linesWith('[weft] rewrote dev.weft.it.multi.app.Main:').isEmpty() : build.linesWith('[weft]')
assert !build.linesWith('[weft] rewrote dev.weft.it.multi.lib.').isEmpty() : build.linesWith('[weft]')
assert build.linesWith('loads unchanged').isEmpty() : build.linesWith('loads unchanged')

// Same output under the agent and after the build-time rewrite.
assert build.programRuns() == 2 : "program output differs from expected-output.txt; see build.log"
return true
