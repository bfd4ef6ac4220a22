// assert(COND, MESSAGE): throws MESSAGE when COND is falsy (inside h.check()).
export function assert(cond, message) {
    if (!cond) throw new Error(message || 'assertion failed');
    return cond;
}

export function eq(got, want, what = 'value') {
    const g = JSON.stringify(got), w = JSON.stringify(want);
    if (g !== w) throw new Error(`${what}: got ${g}, expected ${w}`);
    return true;
}
