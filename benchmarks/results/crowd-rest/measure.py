"""Run one million-scenario at 20k/3 nodes from DIR; measure the rest window."""
import os, subprocess, sys, time, json, glob, collections
side, src, tag = sys.argv[1], sys.argv[2], sys.argv[3]
W = float(os.environ.get("WINDOW", 120))
out = open(f"/tmp/cr/{tag}.out", "w")
env = dict(os.environ, PYTHONPATH=src)
bench = subprocess.Popen(["/work/main/.venv/bin/python", "-m", "chatroom.bench", "million", "--million", "20k",
    "--million-nodes", "3", "--million-hold", "230", "--json", f"/tmp/cr/{tag}.json"], cwd=src, env=env, stdout=out, stderr=subprocess.STDOUT)
def children(pid):
    try: return [int(x) for x in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError: return []
def cmd(pid):
    try: return open(f"/proc/{pid}/cmdline").read()
    except OSError: return ""
def ticks(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])
def fds(pid):
    try: return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError: return 0
nodes, redis = [], None
while bench.poll() is None and not nodes:
    time.sleep(1)
    for c in children(bench.pid):
        if "prefork" in cmd(c): nodes = sorted(children(c))
        if "redis-server" in cmd(c): redis = c
    if len(nodes) < 3: nodes = []
print(side, "nodes", nodes, "redis", redis, file=sys.stderr)
while sum(fds(p) for p in nodes) < 20000: time.sleep(0.5)
fill = time.monotonic()
print("filled", time.strftime("%T"), file=sys.stderr)
time.sleep(max(0, fill + 80 - time.monotonic()))
load0 = open("/proc/loadavg").read().split()[:3]
t0 = {p: ticks(p) for p in nodes + [redis]}
spy = subprocess.Popen(["/work/tools/bin/py-spy", "record", "--pid", str(nodes[1]), "--nonblocking", "--rate", "200",
    "--duration", str(int(W)), "--format", "raw", "-o", f"/tmp/cr/{tag}-spy.txt"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
st = subprocess.Popen(["timeout", str(W), "strace", "-c", "-p", str(nodes[2]), "-o", f"/tmp/cr/{tag}-strace.txt"], stderr=subprocess.DEVNULL)
time.sleep(W)
t1 = {p: ticks(p) for p in nodes + [redis]}
load1 = open("/proc/loadavg").read().split()[:3]
spy.wait(); st.wait()
conns = [fds(p) for p in nodes]
res = {"side": side, "window_s": W, "cpu_pct": {("redis" if p == redis else f"node{nodes.index(p)+1}"): round((t1[p]-t0[p]) / W, 3) for p in t0},
       "fds": conns, "load_before": load0, "load_after": load1}
bench.wait()
print(json.dumps(res), file=sys.stderr)
json.dump(res, open(f"/tmp/cr/{tag}-rest.json", "w"))
