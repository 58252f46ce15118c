@file:JvmName("KotlinWorkloads")

package dev.weft.benchmarks.coroutines

import java.util.function.LongSupplier
import kotlin.coroutines.Continuation
import kotlin.coroutines.ContinuationInterceptor
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.coroutines.coroutineContext
import kotlin.coroutines.intrinsics.COROUTINE_SUSPENDED
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn
import kotlin.coroutines.resume
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.async
import kotlinx.coroutines.future.await
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.suspendCancellableCoroutine

// The Kotlin-coroutines contender: issue #5's workloads written as idiomatic suspend funs, with the same logic as
// the Java contenders. The JMH classes (dev.weft.benchmarks.*Peers, in Java so JMH's annotation processor sees
// them) call these and check the results. The loop is runBlocking's event loop, which runs on the calling
// thread, as Weft's EventLoop.run does; "post to the loop's queue" is a Runnable dispatched to it.

private const val ONE = 1
private const val ZERO = 0

/** An already-completed deferred, the W1 operand. */
fun completed(value: Int): Deferred<Int> = CompletableDeferred(value)

// W1 -------------------------------------------------------------------------------------------------------------

private suspend fun sumDone(done: Deferred<Int>, n: Int): Long {
    var sum = 0L
    for (i in 0 until n) {
        sum += done.await()
    }
    return sum
}

/**
 * W1: [sumDone] called like a plain method, as the Java contenders call theirs: it never suspends, so it needs
 * no loop and no dispatcher (runBlocking around it would add its own set-up to the 1,000 awaits).
 */
fun fastPath(done: Deferred<Int>, n: Int): Long {
    val result = (suspend { sumDone(done, n) }).startCoroutineUninterceptedOrReturn(NeverResumed)
    check(result !== COROUTINE_SUSPENDED) { "awaiting a completed Deferred suspended" }
    return result as Long
}

private object NeverResumed : Continuation<Any?> {
    override val context: CoroutineContext get() = EmptyCoroutineContext
    override fun resumeWith(result: Result<Any?>) = error("a coroutine that never suspends was resumed")
}

// W2 -------------------------------------------------------------------------------------------------------------

private fun CoroutineContext.loop(): CoroutineDispatcher = this[ContinuationInterceptor] as CoroutineDispatcher

/** W2 with a CompletableDeferred as the future: complete posted to the loop, then await. */
fun suspendResume(n: Int): Long = runBlocking {
    val loop = coroutineContext.loop()
    var sum = 0L
    for (i in 0 until n) {
        val f = CompletableDeferred<Int>()
        loop.dispatch(EmptyCoroutineContext, Runnable { f.complete(ONE) })
        sum += f.await()
    }
    sum
}

/** W2 with suspendCancellableCoroutine: the continuation is the future, resumed by a callback posted to the loop. */
fun suspendResumeContinuation(n: Int): Long = runBlocking {
    val loop = coroutineContext.loop()
    var sum = 0L
    for (i in 0 until n) {
        sum += suspendCancellableCoroutine<Int> { c -> loop.dispatch(EmptyCoroutineContext, Runnable { c.resume(ONE) }) }
    }
    sum
}

// W4 -------------------------------------------------------------------------------------------------------------

private suspend fun level(depth: Int, leaf: Deferred<Int>): Int =
    if (depth == 0) leaf.await() else level(depth - 1, leaf) + 1

private suspend fun chains(n: Int, depth: Int): Long {
    val loop = coroutineContext.loop()
    var sum = 0L
    for (i in 0 until n) {
        val leaf = CompletableDeferred<Int>()
        loop.dispatch(EmptyCoroutineContext, Runnable { leaf.complete(ZERO) })
        sum += level(depth, leaf)
    }
    return sum
}

/** W4: [n] chains of suspend funs [depth] levels deep, the innermost awaiting a deferred the loop completes. */
fun callDepth(n: Int, depth: Int): Long = runBlocking { chains(n, depth) }

private suspend fun levelContinuation(depth: Int, loop: CoroutineDispatcher): Int =
    if (depth == 0) {
        suspendCancellableCoroutine { c -> loop.dispatch(EmptyCoroutineContext, Runnable { c.resume(ZERO) }) }
    } else {
        levelContinuation(depth - 1, loop) + 1
    }

/** W4 with suspendCancellableCoroutine at the bottom, resumed by a callback posted to the loop (Kotlin's strongest form). */
fun callDepthContinuation(n: Int, depth: Int): Long = runBlocking {
    val loop = coroutineContext.loop()
    var sum = 0L
    for (i in 0 until n) {
        sum += levelContinuation(depth, loop)
    }
    sum
}

/** W1 with a done CompletableFuture, awaited with kotlinx.coroutines.future.await (no dispatcher needed). */
fun fastPathCompletableFuture(done: java.util.concurrent.CompletableFuture<Int>, n: Int): Long {
    val result = (suspend {
        var sum = 0L
        for (i in 0 until n) {
            sum += done.await()
        }
        sum
    }).startCoroutineUninterceptedOrReturn(NeverResumed)
    check(result !== COROUTINE_SUSPENDED) { "awaiting a completed CompletableFuture suspended" }
    return result as Long
}

/** W2 awaiting a pending CompletableFuture (kotlinx.coroutines.future.await), completed by a callback posted to the loop. */
fun suspendResumeCompletableFuture(n: Int): Long = runBlocking {
    val loop = coroutineContext.loop()
    var sum = 0L
    for (i in 0 until n) {
        val f = java.util.concurrent.CompletableFuture<Int>()
        loop.dispatch(EmptyCoroutineContext, Runnable { f.complete(ONE) })
        sum += f.await()
    }
    sum
}

// W3 -------------------------------------------------------------------------------------------------------------

/**
 * W3: [tasks] coroutines (async children of the loop's scope, started at once like Weft's tasks), each suspended
 * on its own deferred; returns the retained bytes per suspended coroutine, [usedAfterGc] being read before and
 * after, less the two lists' slots. Then completes every deferred and checks every result.
 */
fun fanOut(tasks: Int, usedAfterGc: LongSupplier): Double = runBlocking {
    val before = usedAfterGc.asLong
    val futures = ArrayList<CompletableDeferred<Int>>(tasks)
    val waiters = ArrayList<Deferred<Int>>(tasks)
    repeat(tasks) { futures.add(CompletableDeferred()) }
    for (f in futures) {
        waiters.add(async(start = CoroutineStart.UNDISPATCHED) { f.await() + 1 })
    }
    val after = usedAfterGc.asLong
    val perTask = (after - before - 8.0 * tasks) / tasks
    for (f in futures) {
        f.complete(41)
    }
    for (w in waiters) {
        check(w.await() == 42) { "wrong result" }
    }
    perTask
}

// Async iteration (issue #15) -----------------------------------------------------------------------------------

/**
 * Items through a cold `flow { }` collected in the same coroutine, on runBlocking's loop: Kotlin's strongest form
 * of an async sequence (emit is a direct call into the collector), the shape of Weft's generator benchmark.
 */
fun flowSum(n: Int): Long = runBlocking {
    var sum = 0L
    kotlinx.coroutines.flow.flow { for (i in 0 until n) emit(i) }.collect { sum += it }
    sum
}

/** As [flowSum] with a suspension per item in the producer (`yield()`): the hand-over through the loop. */
fun flowSumYielding(n: Int): Long = runBlocking {
    var sum = 0L
    kotlinx.coroutines.flow.flow {
        for (i in 0 until n) {
            kotlinx.coroutines.yield()
            emit(i)
        }
    }.collect { sum += it }
    sum
}
