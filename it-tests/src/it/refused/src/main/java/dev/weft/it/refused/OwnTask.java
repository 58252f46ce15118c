package dev.weft.it.refused;

import dev.weft.Async;
import dev.weft.runtime.Task;

/** A Task of its own shadows Weft's import: the return type is refused, and reported once (source and bytecode). */
public class OwnTask {
    static final class Task<T> {
    }

    @Async
    static Task<String> name() {
        return new Task<>();
    }
}
