// The checks the verify.groovy scripts share: what a sample's build.log says.
// Usage in a verify.groovy:  def build = evaluate(new File(verifySupport)).newInstance(basedir)
// (verifySupport is a script variable set in it-tests/pom.xml).

class SampleBuild {
    static final def SUMMARY = ~/^weft: (\d+) classes scanned, (\d+) rewritten \((\d+) methods\), (\d+) refused in \d+ ms$/

    final File basedir
    /** The lines of build.log without colour codes, e.g. {@code [ERROR] /path/Foo.java:[3,9] ...}. */
    final List<String> logLines
    /** The same without Maven's [INFO] / [WARNING] / [ERROR] prefix. */
    final List<String> lines

    SampleBuild(File basedir) {
        this.basedir = basedir
        File log = new File(basedir, 'build.log')
        assert log.isFile() : "no build.log in ${basedir}"
        logLines = log.readLines('UTF-8').collect { it.replaceAll(/\u001B\[[0-9;]*m/, '') }
        lines = logLines.collect { it.replaceFirst(/^\[(INFO|WARNING|ERROR)\] /, '') }
    }

    /** Each summary line of the plugin, in log order, as [scanned, rewritten, methods, refused]. */
    List<List<Integer>> summaries() {
        lines.findResults { line ->
            def m = SUMMARY.matcher(line)
            m.matches() ? (1..4).collect { m.group(it) as int } : null
        }
    }

    // The agent's own lines ("[weft] ...") go to stderr, which Maven's exec plugin pumps on another thread than
    // stdout: they may land between the program's lines in any order, so they are left out of the comparison.
    /** How many times the lines of {@code expectedFile} (in the sample's directory) appear, in order, in a row. */
    int programRuns(String expectedFile = 'expected-output.txt') {
        List<String> expected = new File(basedir, expectedFile).readLines('UTF-8').findAll { it }
        assert expected : "${expectedFile} is empty"
        List<String> program = lines.findAll { !it.startsWith('[weft] ') }
        int runs = 0
        for (int i = 0; i + expected.size() <= program.size(); i++) {
            if (program.subList(i, i + expected.size()) == expected) {
                runs++
            }
        }
        return runs
    }

    /** The lines of the log that contain {@code text}. */
    List<String> linesWith(String text) {
        lines.findAll { it.contains(text) }
    }
}

return SampleBuild
