#!/usr/bin/python3
"""Differential cases for bbw_pyjson_error: random and mutated JSON-ish
byte strings with what Python answers for json.loads(b.decode('utf-8')).

    python3 t/unit/pyjson_cases.py [COUNT] [SEED] >cases.txt
    t/unit/unit_pyjson --cases cases.txt

One case a line: 'h' and the input in hex, a space, then '-' when Python
parses it or 'h' and the hex of str(exception)."""
import json
import random
import sys

MAX_DEPTH = 995  # BBW_PYJSON_MAX_DEPTH


def answer(b):
    try:
        json.loads(b.decode('utf-8'))
        return None
    except (ValueError, RecursionError) as e:
        return str(e)


PIECES = [b'{', b'}', b'[', b']', b':', b',', b'"', b'\\', b' ', b'\t', b'\n', b'\r',
          b'\x0c', b'\x00', b'\x1f', b'\x7f', b'0', b'1', b'9', b'-', b'+', b'.', b'e',
          b'E', b'u', b'x', b'n', b'a', b'null', b'true', b'false', b'NaN', b'Infinity',
          b'-Infinity', b'\\u', b'\\ud83d', b'\\ude00', b'\\n', b'\\/', b'\\q',
          '\u00e9'.encode(), '\u20ac'.encode(), '\U0001f600'.encode(), '\ufeff'.encode(),
          b'\xff', b'\xc3', b'\xe2\x82', b'\xf0\x9f\x98', b'\xed\xa0\x80', b'\xc0\xaf',
          b'\xe0\x80\x80', b'\xf4\x90\x80\x80', b'\xf5', b'\x80', b'\xc2\x41']


def rand_string(r):
    chars = []
    for _ in range(r.randrange(6)):
        chars.append(r.choice(['a', ' ', '\u00e9', '\U0001f600', '\n', '"', '\\', '\x01',
                               '\ud83d', '\u2028']))
    return ''.join(chars)


def rand_value(r, depth=0):
    k = r.randrange(10 if depth < 4 else 6)
    if k == 0:
        return None
    if k == 1:
        return r.choice([True, False])
    if k == 2:
        return r.choice([0, -1, 12345678901234567890, 1.5, -2.5e-10, 1e300,
                         float('nan'), float('inf'), float('-inf')])
    if k in (3, 4, 5):
        return rand_string(r)
    if k in (6, 7):
        return [rand_value(r, depth + 1) for _ in range(r.randrange(4))]
    return {rand_string(r): rand_value(r, depth + 1) for _ in range(r.randrange(4))}


def rand_doc(r):
    v = rand_value(r)
    indent = r.choice([None, None, 1, '\t'])
    seps = r.choice([None, (',', ':'), (' ,', ' : ')])
    s = json.dumps(v, indent=indent, separators=seps, ensure_ascii=r.random() < 0.5)
    try:
        b = s.encode('utf-8')
    except UnicodeEncodeError:  # a lone surrogate with ensure_ascii off
        b = s.encode('utf-8', 'surrogatepass')
    if r.random() < 0.3:
        b = r.choice([b' ', b'\n', b'\r\n\t', b'']) + b + r.choice([b' ', b'\n', b''])
    return b


def mutate(r, b):
    for _ in range(r.randrange(1, 4)):
        op = r.randrange(4)
        at = r.randrange(len(b) + 1)
        if op == 0:
            b = b[:at] + r.choice(PIECES) + b[at:]
        elif op == 1 and b:
            b = b[:at] + b[at + 1:]
        elif op == 2 and b:
            b = b[:at] + r.choice(PIECES) + b[at + 1:]
        else:
            b = b[:at]
    return b


def number(r):
    parts = [r.choice([b'', b'-', b'--', b'+']),
             r.choice([b'0', b'00', b'1', b'12', b'09', b'', b'1' * r.randrange(4295, 4305)]),
             r.choice([b'', b'.', b'.5', b'.05', b'.x']),
             r.choice([b'', b'e', b'E', b'e+', b'e-', b'e5', b'E-07', b'e+x'])]
    return r.choice([b'', b'[', b'{"k": ']) + b''.join(parts) + r.choice([b'', b']', b'}', b' 1'])


def deep(r):
    d = r.choice([MAX_DEPTH - 4, MAX_DEPTH - 3, MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH,
                  MAX_DEPTH + 1, MAX_DEPTH + 50, r.randrange(1, 1200)])
    opens = [r.choice([b'[', b'{"k":']) for _ in range(d)]
    closes = [b']' if o == b'[' else b'}' for o in reversed(opens)]
    # near the limit, errors raised inside the scanner turn into RecursionError
    mid = r.choice([b'1', b'', b'x', b'[]', b'{}', b'1 2', b'"\\x"', b'"ab', b'{"a" 1}',
                    b'{1}', b'[1 2]', b'"\\u12"', b'1' * 4301])
    if r.random() < 0.3:
        closes = closes[:r.randrange(len(closes) + 1)]
    return b''.join(opens) + mid + b''.join(closes)


def case(r):
    k = r.randrange(20)
    if k < 3:
        return rand_doc(r)
    if k < 14:
        return mutate(r, rand_doc(r))
    if k < 17:
        return number(r)
    if k < 18:
        return deep(r)
    return b''.join(r.choice(PIECES) for _ in range(r.randrange(12)))


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    r = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    # Python's nesting limit depends on the stack below json.loads: move the
    # recursion limit until this very call site allows MAX_DEPTH.
    for _ in range(2):
        d = 1
        while answer(b'[' * (d + 1) + b']' * (d + 1)) is None:
            d += 1
        sys.setrecursionlimit(sys.getrecursionlimit() + MAX_DEPTH - d)
    assert answer(b'[' * MAX_DEPTH + b']' * MAX_DEPTH) is None
    assert answer(b'[' * (MAX_DEPTH + 1) + b']' * (MAX_DEPTH + 1)) is not None
    for _ in range(count):
        b = case(r)
        a = answer(b)
        print('h' + b.hex(), '-' if a is None else 'h' + a.encode('utf-8').hex())


if __name__ == '__main__':
    main()
