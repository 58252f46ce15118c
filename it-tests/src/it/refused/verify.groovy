def build = evaluate(new File(verifySupport)).newInstance(basedir)
def source = { String name -> new File(basedir, "src/main/java/dev/weft/it/refused/${name}.java").absolutePath }

// Contract item 7: every problem names file, line (and column), class and method.
def locked = "${source('Locked')}:[16,22] await(...) is not allowed inside synchronized; move the await out of the synchronized block"
def lockedIn = '(in dev.weft.it.refused.Locked.add)'
def notAsync = "${source('NotAsync')}:[9,19] await(...) in a method that is neither @Async nor an async lambda; annotate total with @dev.weft.Async"
def notAsyncIn = '(in dev.weft.it.refused.NotAsync.total)'
def ownTask = "${source('OwnTask')}:[12,12] @Async methods must return Task<T>, CompletableFuture<T> or CompletionStage<T>, not Task<String> (Task here is the member type declared in OwnTask, not dev.weft.runtime.Task)"
def ownTaskIn = '(in dev.weft.it.refused.OwnTask.name)'
def lambdas = "${source('Lambdas')}:[11,1] await(...) in a lambda that returns java.lang.Integer"
def lambdasIn = '(in dev.weft.it.refused.Lambdas.lambda$later$0)'
def expected = [[locked, lockedIn], [notAsync, notAsyncIn], [ownTask, ownTaskIn], [lambdas, lambdasIn]]

def reported = { String level, String start, String end ->
    build.logLines.findAll { it.startsWith("[${level}] ${start}") && it.contains(end) }.size()
}

// Build 1 (failOnError on): the source problems and the refusal only the bytecode shows (Lambdas), each once, then
// the failure.
expected.each { start, end ->
    assert reported('ERROR', start, end) == 1 : "expected one error '${start} ... ${end}'; lines naming sources: ${build.linesWith('.java:[')}"
}
assert build.logLines.count { it.startsWith('[ERROR] ') && it.contains('.java:[') } == 4 : build.linesWith('.java:[')
assert build.linesWith('weft: 4 problems in @Async code, see the errors above').size() >= 1
assert build.linesWith('BUILD FAILURE').size() == 1

// Build 2 (failOnError off): the same four as warnings, each once; every class is refused and left unchanged.
expected.each { start, end ->
    assert reported('WARNING', start, end) == 1 : "expected one warning '${start} ... ${end}'; lines naming sources: ${build.linesWith('.java:[')}"
}
assert build.logLines.count { it.startsWith('[WARNING] ') && it.contains('.java:[') } == 4 : build.linesWith('.java:[')
assert build.summaries() == [[5, 0, 0, 4]] : "build 2 summary: ${build.summaries()}"
assert build.linesWith('(failOnError is false: the class is left unchanged)').size() == 4
assert build.linesWith('(failOnError is false: the build goes on)').isEmpty()
assert build.linesWith('BUILD SUCCESS').size() == 1

// Nothing was rewritten.
assert !new File(basedir, 'target/classes/dev/weft/it/refused').list().any { it.contains('$async$') }
return true
