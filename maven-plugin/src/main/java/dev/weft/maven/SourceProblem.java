package dev.weft.maven;

import java.nio.file.Path;

/**
 * One thing the build refuses, at a place in a source file.
 *
 * @param file    the source file (absolute when known)
 * @param line    1-based line
 * @param column  1-based column, 1 when only the line is known
 * @param message what is wrong and what to do
 */
record SourceProblem(Path file, int line, int column, String message) {

    /** As javac and the compiler plugin print errors, so IDEs and terminals link to the place. */
    String format() {
        return file + ":[" + line + "," + column + "] " + message;
    }
}
