package dev.weft.maven;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClassFilterTest {

    @Test
    void noPatternsAcceptEveryClass() {
        assertTrue(ClassFilter.of(null, null).accepts("Foo"));
        assertTrue(ClassFilter.of(List.of(), List.of()).accepts("com/acme/deep/Foo$Inner"));
    }

    @Test
    void doubleStarCrossesPackagesAndSingleStarDoesNot() {
        ClassFilter filter = ClassFilter.of(List.of("com/acme/**"), List.of("com/acme/*Test"));
        assertTrue(filter.accepts("com/acme/Foo"));
        assertTrue(filter.accepts("com/acme/deep/er/Foo"));
        assertTrue(filter.accepts("com/acme/deep/FooTest"));
        assertFalse(filter.accepts("com/acme/FooTest"));
        assertFalse(filter.accepts("com/other/Foo"));
        assertFalse(filter.accepts("com/acmeX/Foo"));
    }

    @Test
    void leadingDoubleStarMatchesAnyPackageIncludingNone() {
        ClassFilter filter = ClassFilter.of(List.of(), List.of("**/generated/**", "**/*$Builder"));
        assertFalse(filter.accepts("generated/Foo"));
        assertFalse(filter.accepts("com/acme/generated/Foo"));
        assertFalse(filter.accepts("com/acme/Foo$Builder"));
        assertTrue(filter.accepts("com/acme/Foo"));
    }

    @Test
    void dotsTrailingSlashAndClassSuffixAreAccepted() {
        assertTrue(ClassFilter.of(List.of("com.acme.**"), null).accepts("com/acme/Foo"));
        assertTrue(ClassFilter.of(List.of("com/acme/"), null).accepts("com/acme/x/Foo"));
        assertTrue(ClassFilter.of(List.of("com/acme/Foo.class"), null).accepts("com/acme/Foo"));
        assertTrue(ClassFilter.of(List.of("com/acme/Fo?"), null).accepts("com/acme/Foo"));
        assertFalse(ClassFilter.of(List.of("com/acme/Foo"), null).accepts("com/acme/Foo$Inner"));
    }
}
