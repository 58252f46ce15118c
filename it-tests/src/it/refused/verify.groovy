def build = evaluate(new File(verifySupport)).newInstance(basedir)
def source = { String name -> new File(basedir, "src/main/java/dev/weft/it/refused/${name}.java").absolutePath }

// Build 1 (failOnError on): each source problem as path:[line,column] message, then the failure.
def locked = "[ERROR] ${source('Locked')}:[16,22] await(...) is not allowed inside synchronized; move the await out of the synchronized block"
def notAsync = "[ERROR] ${source('NotAsync')}:[9,19] await(...) in a method that is neither @Async nor an async lambda; annotate total with @dev.weft.Async"
assert build.logLines.any { it.startsWith(locked) } : "no error for Locked.java; lines naming sources: ${build.linesWith('.java:[')}"
assert build.logLines.any { it.startsWith(notAsync) } : "no error for NotAsync.java; lines naming sources: ${build.linesWith('.java:[')}"
assert build.linesWith('weft: 2 problems in @Async code, see the errors above').size() >= 1
assert build.linesWith('BUILD FAILURE').size() == 1

// Build 2 (failOnError off): the same two as warnings, then the transformer's refusals of all three classes,
// Lambdas.java's at the line of its lambda.
def lambdas = "[WARNING] ${source('Lambdas')}:[11,1] await(...) in a lambda that returns java.lang.Integer"
assert build.logLines.any { it.startsWith(lambdas) && it.contains('(in dev.weft.it.refused.Lambdas.lambda$later$0)') } :
        "no refusal for Lambdas.java; lines naming sources: ${build.linesWith('.java:[')}"
assert build.summaries() == [[3, 0, 0, 3]] : "build 2 summary: ${build.summaries()}"
assert build.linesWith('(failOnError is false: the class is left unchanged)').size() == 3
assert build.linesWith('BUILD SUCCESS').size() == 1

// Nothing was rewritten.
assert !new File(basedir, 'target/classes/dev/weft/it/refused').list().any { it.contains('$async$') }
return true
