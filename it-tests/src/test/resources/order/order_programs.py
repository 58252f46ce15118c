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
          | Xk             cancel the k-th kept task, log what cancel() returned
"""
import asyncio
import sys


def parse(tokens, pos, name):
    ops = []
    while pos < len(tokens) and tokens[pos] != "]":
        t = tokens[pos]
        pos += 1
        if t in ("C[", "P["):
            child, pos = parse(tokens, pos, f"{name}.{len(ops)}")
            pos += 1  # the closing bracket
            ops.append((t[0], child))
        elif t[0] in "JX":
            ops.append((t[0], int(t[1:])))
        else:
            ops.append((t, None))
    return (name, ops), pos


async def execute(prog, log):
    name, ops = prog
    loop = asyncio.get_running_loop()
    kept = []
    for i, (kind, arg) in enumerate(ops):
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
    return name


async def main(prog, log):
    r = await asyncio.get_running_loop().create_task(execute(prog, log))
    log.append(f"main={r}")
    for _ in range(3):
        await asyncio.sleep(0)


def eager_loop():
    loop = asyncio.new_event_loop()
    loop.set_task_factory(asyncio.eager_task_factory)
    return loop


def run(line):
    """asyncio.run's steps, as EventLoop.run: run main's task, cancel the tasks still pending and run the loop until
    they are done (asyncio.runners._cancel_all_tasks), close. Left out: asyncio.run's shutdown_asyncgens and
    shutdown_default_executor, each a run_until_complete of its own whose two extra turns run the callbacks and
    timers still scheduled, which EventLoop.run drops (contract: it drops timers and callbacks that belong to no
    task)."""
    prog, _ = parse(line.split(), 0, "r")
    log = []
    loop = eager_loop()
    try:
        try:
            loop.run_until_complete(loop.create_task(main(prog, log)))
        finally:
            pending = asyncio.all_tasks(loop)
            for t in pending:
                t.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    except BaseException as e:  # a program's failure is part of its trace
        log.append("failed:" + ("cancelled" if isinstance(e, asyncio.CancelledError) else type(e).__name__))
    finally:
        loop.close()
    return " ".join(log)


for line in sys.stdin:
    print(run(line.strip()), flush=True)
