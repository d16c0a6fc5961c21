import sys, time, resource
from twisted.internet import epollreactor
epollreactor.install()
from twisted.internet import reactor, task
hz = float(sys.argv[1])
n = [0]
def tick(): n[0] += 1
if hz: task.LoopingCall(tick).start(1/hz)
t0 = time.process_time()
def done():
    cpu = time.process_time() - t0
    print(f"{hz:g}/s: {n[0]} ticks, cpu {cpu*1000:.1f} ms in 10 s -> {cpu/max(n[0],1)*1e6:.1f} us per wake")
    reactor.stop()
reactor.callLater(10, done)
reactor.run()
