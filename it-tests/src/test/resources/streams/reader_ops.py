# Runs reader programs on asyncio.StreamReader (fed in full, then EOF) and prints one line of results per program.
# Input: one program per line: limit TAB chunk,chunk,... TAB op op ... with bytes written as %XX-escaped text.
import asyncio
import sys
from urllib.parse import unquote_to_bytes, quote_from_bytes


def show(b):
    return '"' + quote_from_bytes(b, safe='') + '"'


async def run(line):
    limit, chunks, ops = line.rstrip('\n').split('\t')
    r = asyncio.StreamReader(limit=int(limit))
    for c in chunks.split(',') if chunks else []:
        r.feed_data(unquote_to_bytes(c))
    r.feed_eof()
    out = []
    for op in ops.split(' '):
        name, _, arg = op.partition(':')
        try:
            if name == 'exactly':
                out.append(show(await r.readexactly(int(arg))))
            elif name == 'until':
                out.append(show(await r.readuntil(unquote_to_bytes(arg))))
            elif name == 'line':
                out.append(show(await r.readline()))
            elif name == 'read':
                out.append(show(await r.read(int(arg))))
            elif name == 'eof':
                out.append('eof ' + str(r.at_eof()).lower())
        except asyncio.IncompleteReadError as e:
            out.append('incomplete ' + show(e.partial) + ' of ' + str(-1 if e.expected is None else e.expected))
        except asyncio.LimitOverrunError as e:
            out.append('overrun ' + str(e.consumed))
        except ValueError:
            out.append('line too long')
    return ' | '.join(out)


async def main():
    for line in sys.stdin:
        print(await run(line), flush=True)

asyncio.run(main())
