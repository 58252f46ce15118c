"""Runs the scheduling programs of OrderDifferentialTest on asyncio and prints one trace per program.

Each line of stdin is a program in the test's text form; each line of stdout is its trace, the same words the
Java interpreter logs. Tasks start eagerly (loop.set_task_factory(asyncio.eager_task_factory)), as Weft's do; each program runs
as asyncio.run runs it (see run), the Java side in EventLoop.run.

Program  := Op*            (space separated; a nested program is written in brackets)
Op       := L              log this op's position
          | Y              await asyncio.sleep(0)
          | Q              await asyncio.sleep(0), log a CancelledError caught there and go on
          | K              cancel the current task (asyncio.current_task().cancel()), log what it returned
          | U              uncancel the current task, log the requests left
          | S              loop.call_soon(log)
          | T              loop.call_later(0, log)
          | C[ Program ]   await a task started on the nested program, log its result
          | P[ Program ]   start a task on the nested program and keep it (eager)
          | Jk             await the k-th kept task, log its result or that it was cancelled
          | G[ P[ ] ... ]  gather tasks started on the nested programs, log the results or the cancellation
          | H[ Program ]   await shield(a task started on the nested program), log its result or the cancellation
          | M[ Program ]   async with the program's one Lock: await a task started on the nested program
          | N[ Program ]   the same with the program's one Semaphore(2)
          | Na | Nr        the Semaphore alone: await acquire() (logging a cancellation), release() (which may raise its
                           count above 2, as asyncio allows)
          | Ew | Es | Ec   the program's one Event: await wait() (logging a cancellation), set(), clear()
          | Bp | Bg        the program's one Queue(maxsize=1): await put(this op's position), await get() and log it
          | Cw | Cn | Ca   the program's one Condition, over its Lock: async with it, await wait() and log, or
                           notify(), or notify_all()
          | Xk             cancel the k-th kept task, log what cancel() returned
          | I[ Body ]      iterate an async generator running Body: log each item, then the end, or a CancelledError
          | Ib[ Body ]     the same, leaving after the first item and closing the generator (aclose), log that
Body     := BodyOp*        an async generator's body (gen_execute): L Y Q S T C[ Program ] Ew Es Ec Bp Bg I[ ] Ib[ ]
                           as above, and
          | V              yield this op's position

Once main is done, a task returns at its next operation (one that caught a cancellation logs it first): the
shutdown cancels each pending task once, and a program that went on and waited again would never end.
"""
import asyncio
import signal
import sys


def parse(tokens, pos, name):
    ops = []
    while pos < len(tokens) and tokens[pos] != "]":
        t = tokens[pos]
        pos += 1
        if t in ("C[", "P[", "G[", "H[", "M[", "N[", "I[", "Ib["):
            child, pos = parse(tokens, pos, f"{name}.{len(ops)}")
            pos += 1  # the closing bracket
            ops.append((t[:-1], child))
        elif t[0] in "EBCN":
            ops.append((t, None))
        elif t[0] in "JX":
            ops.append((t[0], int(t[1:])))
        else:
            ops.append((t, None))
    return (name, ops), pos


async def execute(prog, log):
    name, ops = prog
    loop = asyncio.get_running_loop()
    shared = SHARED[0]
    kept = []
    for i, (kind, arg) in enumerate(ops):
        if shared["done"]:
            return name  # shutting down: see the module doc
        at = f"{name}.{i}"
        if kind == "L":
            log.append(at)
        elif kind == "Y":
            await asyncio.sleep(0)
        elif kind == "Q":
            try:
                await asyncio.sleep(0)
            except asyncio.CancelledError:
                log.append(at + "!q")
        elif kind == "K":
            log.append(f"{at}k{'true' if asyncio.current_task().cancel() else 'false'}")
        elif kind == "U":
            log.append(f"{at}u{asyncio.current_task().uncancel()}")
        elif kind == "S":
            loop.call_soon(log.append, at + "cb")
        elif kind == "T":
            loop.call_later(0, log.append, at + "tm")
        elif kind == "C":
            r = await loop.create_task(execute(arg, log))
            log.append(f"{at}={r}")
        elif kind == "G":
            tasks = [loop.create_task(execute(p, log)) for _, p in arg[1]]
            try:
                r = await asyncio.gather(*tasks)
                log.append(f"{at}=[{','.join(r)}]")
            except asyncio.CancelledError:
                log.append(f"{at}!g")
        elif kind == "H":
            try:
                r = await asyncio.shield(loop.create_task(execute(arg, log)))
                log.append(f"{at}={r}")
            except asyncio.CancelledError:
                log.append(f"{at}!h")
        elif kind == "M":
            try:
                async with shared["lock"]:
                    log.append(f"{at}+")
                    r = await loop.create_task(execute(arg, log))
                    log.append(f"{at}={r}")
            except asyncio.CancelledError:
                log.append(f"{at}!m")
        elif kind == "N":
            try:
                async with shared["semaphore"]:
                    log.append(f"{at}+")
                    r = await loop.create_task(execute(arg, log))
                    log.append(f"{at}={r}")
            except asyncio.CancelledError:
                log.append(f"{at}!s")
        elif kind == "Na":
            try:
                await shared["semaphore"].acquire()
            except asyncio.CancelledError:
                log.append(f"{at}!a")
        elif kind == "Nr":
            shared["semaphore"].release()
        elif kind == "Cw":
            try:
                async with shared["condition"]:
                    await shared["condition"].wait()
                    log.append(f"{at}w")
            except asyncio.CancelledError:
                log.append(f"{at}!w")
        elif kind in ("Cn", "Ca"):
            try:
                async with shared["condition"]:
                    if kind == "Cn":
                        shared["condition"].notify()
                    else:
                        shared["condition"].notify_all()
            except asyncio.CancelledError:
                log.append(f"{at}!o")
        elif kind == "Ew":
            try:
                await shared["event"].wait()
                log.append(f"{at}e")
            except asyncio.CancelledError:
                log.append(f"{at}!e")
        elif kind == "Es":
            shared["event"].set()
        elif kind == "Ec":
            shared["event"].clear()
        elif kind == "Bp":
            try:
                await shared["queue"].put(at)
            except asyncio.CancelledError:
                log.append(f"{at}!p")
        elif kind == "Bg":
            try:
                log.append(f"{at}<{await shared['queue'].get()}")
            except asyncio.CancelledError:
                log.append(f"{at}!b")
        elif kind == "P":
            kept.append(loop.create_task(execute(arg, log)))
        elif kind == "J":
            if arg < len(kept):
                try:
                    r = await kept[arg]
                    log.append(f"{at}={r}")
                except asyncio.CancelledError:
                    log.append(f"{at}!c")
        elif kind == "X":
            if arg < len(kept):
                log.append(f"{at}x{'true' if kept[arg].cancel() else 'false'}")
        elif kind in ("I", "Ib"):
            await iterate(kind, arg, at, log)
    return name


async def iterate(kind, body, at, log):
    g = gen_execute(body, log)
    try:
        async for x in g:
            log.append(f"{at}>{x}")
            if kind == "Ib":
                break
        if kind == "Ib":
            await g.aclose()
            log.append(f"{at}=closed")
        else:
            log.append(f"{at}=end")
    except asyncio.CancelledError:
        log.append(f"{at}!i")


async def gen_execute(prog, log):
    """An async generator's body: execute's operations that do not depend on the task running them, and V."""
    name, ops = prog
    loop = asyncio.get_running_loop()
    shared = SHARED[0]
    for i, (kind, arg) in enumerate(ops):
        if shared["done"]:
            return  # shutting down: see the module doc
        at = f"{name}.{i}"
        if kind == "V":
            yield at
        elif kind == "L":
            log.append(at)
        elif kind == "Y":
            await asyncio.sleep(0)
        elif kind == "Q":
            try:
                await asyncio.sleep(0)
            except asyncio.CancelledError:
                log.append(at + "!q")
        elif kind == "S":
            loop.call_soon(log.append, at + "cb")
        elif kind == "T":
            loop.call_later(0, log.append, at + "tm")
        elif kind == "C":
            r = await loop.create_task(execute(arg, log))
            log.append(f"{at}={r}")
        elif kind == "Ew":
            try:
                await shared["event"].wait()
                log.append(f"{at}e")
            except asyncio.CancelledError:
                log.append(f"{at}!e")
        elif kind == "Es":
            shared["event"].set()
        elif kind == "Ec":
            shared["event"].clear()
        elif kind == "Bp":
            try:
                await shared["queue"].put(at)
            except asyncio.CancelledError:
                log.append(f"{at}!p")
        elif kind == "Bg":
            try:
                log.append(f"{at}<{await shared['queue'].get()}")
            except asyncio.CancelledError:
                log.append(f"{at}!b")
        elif kind in ("I", "Ib"):
            await iterate(kind, arg, at, log)


SHARED = [None]

async def main(prog, log):
    """Starts the program's root task and looks each turn, at most 100 turns, whether it is done: a program may wait
    forever (an Event never set, a Queue never filled), and asyncio.run then cancels it with the rest."""
    lock = asyncio.Lock()
    SHARED[0] = {"lock": lock, "semaphore": asyncio.Semaphore(2), "condition": asyncio.Condition(lock),
                 "event": asyncio.Event(), "queue": asyncio.Queue(1), "done": False}
    root = asyncio.get_running_loop().create_task(execute(prog, log))
    for _ in range(100):
        if root.done():
            break
        await asyncio.sleep(0)
    if not root.done():
        log.append("main:pending")
    elif root.cancelled():
        log.append("main:cancelled")
    else:
        log.append(f"main={root.result()}")
    SHARED[0]["done"] = True


def eager_loop():
    loop = asyncio.new_event_loop()
    loop.set_task_factory(asyncio.eager_task_factory)
    return loop


class Hung(Exception):
    pass


def alarm(signum, frame):
    raise Hung()


def run(line):
    """asyncio.run's steps, as EventLoop.run: run main's task, cancel the tasks still pending and run the loop until
    they are done (asyncio.runners._cancel_all_tasks), close. Left out: asyncio.run's shutdown_asyncgens and
    shutdown_default_executor, each a run_until_complete of its own whose two extra turns run the callbacks and
    timers still scheduled, which EventLoop.run drops (contract: it drops timers and callbacks that belong to no
    task)."""
    prog, _ = parse(line.split(), 0, "r")
    log = []
    loop = eager_loop()
    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(20)  # a program that never ends prints failed:Hung instead of stalling the test
    try:
        try:
            loop.run_until_complete(loop.create_task(main(prog, log)))
        except Hung:
            log.append("failed:Hung")
            return " ".join(log)
        finally:
            pending = asyncio.all_tasks(loop)
            for t in pending:
                t.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    except BaseException as e:  # a program's failure is part of its trace
        log.append("failed:" + ("cancelled" if isinstance(e, asyncio.CancelledError) else type(e).__name__))
    finally:
        signal.alarm(0)
        loop.close()
    return " ".join(log)


for line in sys.stdin:
    print(run(line.strip()), flush=True)
