#!/usr/bin/python3
# daemonpythontest.py: a libvirt-python program (Debian's python3-libvirt,
# unmodified) drives Fleece through fleeced, on real QEMU: checkpoints, a
# full and an incremental push backup, a pull backup read with nbdcopy,
# job-completed and lifecycle events, and a read-only connection refusing
# a change.  Every backup is compared with an image built offline by
# replaying the same writes with qemu-io (qemu-img compare).
#
# With --restart the daemon is killed (SIGKILL) and started again between
# the steps, and once in the middle of the pull backup: QEMU keeps the
# export, and the new daemon ends the job.
#
# Lifecycle events must also come for changes made through another
# connection and by another process on the same root (the fleece tool on
# the embedded driver), and for a QEMU that dies.
#
# Usage: daemonpythontest.py FLEECED FLEECE [--restart]     Output: TAP.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

try:
    import libvirt
    import libvirt_qemu
except ImportError:
    # python3-libvirt belongs to Debian's python; another python3 may be
    # first on PATH
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("1..0 # SKIP python3-libvirt is not installed")
    sys.exit(0)

FLEECED = sys.argv[1]
FLEECE = sys.argv[2]
RESTART = "--restart" in sys.argv[3:]

for prog in ("qemu-system-x86_64", "qemu-img", "qemu-io", "nbdcopy"):
    if not shutil.which(prog):
        print("1..0 # SKIP %s is not installed" % prog)
        sys.exit(0)

TMP = tempfile.mkdtemp(prefix="fleecepy.")
ROOT = os.path.join(TMP, "root")
URI = "qemu+unix:///system?socket=%s/run/libvirt-sock" % ROOT
ROURI = "qemu+unix:///system?socket=%s/run/libvirt-sock-ro" % ROOT
DOMTYPE = "kvm" if os.access("/dev/kvm", os.R_OK | os.W_OK) else "qemu"

n = 0
failed = 0


def ok(cond, title, diag=None):
    global n, failed
    n += 1
    if cond:
        print("ok %d - %s" % (n, title))
    else:
        failed += 1
        print("not ok %d - %s" % (n, title))
        if diag:
            for line in str(diag).splitlines():
                print("# " + line)
    sys.stdout.flush()
    return cond


def run(*cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)


def path(name):
    return os.path.join(TMP, name)


# ---- the daemon -----------------------------------------------------------

daemon_pid = None


def start_daemon():
    global daemon_pid
    pidfile = path("fleeced.pid")
    r = run(FLEECED, "--root", ROOT, "--daemon", "--pidfile", pidfile)
    if r.returncode != 0:
        raise RuntimeError("fleeced did not start: " + r.stdout)
    with open(pidfile) as f:
        daemon_pid = int(f.read())


def kill_daemon(sig=signal.SIGKILL):
    global daemon_pid
    if daemon_pid is None:
        return
    os.kill(daemon_pid, sig)
    for _ in range(100):
        try:
            os.kill(daemon_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    daemon_pid = None


def cleanup():
    # every QEMU of the test root, by the pid in its status files
    rundir = os.path.join(ROOT, "run")
    if os.path.isdir(rundir):
        for f in os.listdir(rundir):
            if f.endswith(".pid"):
                try:
                    with open(os.path.join(rundir, f)) as fp:
                        os.kill(int(fp.read()), signal.SIGKILL)
                except (ValueError, OSError):
                    pass
    try:
        kill_daemon(signal.SIGTERM)
    except OSError:
        pass
    shutil.rmtree(TMP, ignore_errors=True)


# ---- events ----------------------------------------------------------------

# errors are checked by the cases; libvirt would print each on stderr
libvirt.registerErrorHandler(lambda ctx, err: None, None)
libvirt.virEventRegisterDefaultImpl()


def event_loop():
    while True:
        libvirt.virEventRunDefaultImpl()


threading.Thread(target=event_loop, daemon=True).start()

events_lock = threading.Condition()
lifecycle = []
jobs = []


def on_lifecycle(conn, dom, event, detail, opaque):
    with events_lock:
        lifecycle.append((dom.name(), event, detail))
        events_lock.notify_all()


def on_job_completed(conn, dom, params, opaque):
    with events_lock:
        jobs.append((dom.name(), dict(params)))
        events_lock.notify_all()


def wait_for(pred, timeout=60):
    end = time.time() + timeout
    with events_lock:
        while not pred():
            left = end - time.time()
            if left <= 0:
                return False
            events_lock.wait(left)
    return True


conn = None
dom = None


def connect():
    """(Re)connect and register the event callbacks."""
    global conn, dom
    conn = libvirt.open(URI)
    conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_lifecycle, None)
    conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                on_job_completed, None)
    try:
        dom = conn.lookupByName("pydom")
    except libvirt.libvirtError:
        dom = None


def restart(why):
    """With --restart: kill the daemon, start a new one, reconnect."""
    global conn
    if not RESTART:
        return
    kill_daemon(signal.SIGKILL)
    try:
        conn.close()
    except libvirt.libvirtError:
        pass
    start_daemon()
    connect()
    ok(dom is not None and dom.isActive() == 1, "the domain runs on through a daemon restart (%s)" % why)


# ---- guest writes, replayed offline ------------------------------------------


def guest_write(disk, ref, pattern, off, length):
    cmd = 'qemu-io -d %s/virtio-backend "write -P 0x%02x %s %s"' % (disk, pattern, off, length)
    libvirt_qemu.qemuMonitorCommand(dom, cmd, libvirt_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP)
    r = run("qemu-io", "-f", "qcow2", "-c", "write -P 0x%02x %s %s" % (pattern, off, length), path(ref))
    if r.returncode != 0:
        raise RuntimeError(r.stdout)


def same_image(a, b):
    r = run("qemu-img", "compare", "-q", a, b)
    return r.returncode == 0


def job_event_for_begin(before, timeout=60):
    """Wait for the job-completed event after the one numbered before."""
    if not wait_for(lambda: len(jobs) > before, timeout):
        return None
    return jobs[before][1]


def main():
    os.makedirs(ROOT)
    for d in ("vda", "vdb"):
        run("qemu-img", "create", "-q", "-f", "qcow2", path(d + ".qcow2"), "64M")
        run("qemu-img", "create", "-q", "-f", "qcow2", path("ref-" + d + ".qcow2"), "64M")
    start_daemon()
    connect()

    xml = """<domain type='%s'>
  <name>pydom</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='%s'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='%s'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>""" % (DOMTYPE, path("vda.qcow2"), path("vdb.qcow2"))

    global dom
    dom = conn.defineXML(xml)
    ok(dom.name() == "pydom" and not dom.isActive(), "defineXML")
    dom.create()
    ok(dom.isActive() == 1 and dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING, "create: running")
    ok(wait_for(lambda: ("pydom", libvirt.VIR_DOMAIN_EVENT_STARTED,
                         libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED) in lifecycle, 20),
       "lifecycle event: started", lifecycle)

    # read-only connections refuse changes, on either socket
    for uri, how in ((URI, "openReadOnly"), (ROURI, "the read-only socket")):
        ro = libvirt.openReadOnly(uri) if how == "openReadOnly" else libvirt.open(uri)
        rodom = ro.lookupByName("pydom")
        try:
            rodom.checkpointCreateXML("<domaincheckpoint><name>ro</name></domaincheckpoint>")
            ok(False, "read-only connection (%s) refuses a checkpoint" % how)
        except libvirt.libvirtError as e:
            ok(e.get_error_code() == libvirt.VIR_ERR_OPERATION_DENIED and
               "read only" in e.get_error_message(),
               "read-only connection (%s) refuses a checkpoint" % how, e.get_error_message())
        ok(rodom.info()[0] == libvirt.VIR_DOMAIN_RUNNING, "read-only connection (%s) reads" % how)
        ro.close()

    # ---- full push backup with checkpoint c1 ----------------------------------
    guest_write("virtio-disk0", "ref-vda.qcow2", 0x11, "0", "1M")
    guest_write("virtio-disk1", "ref-vdb.qcow2", 0x12, "8M", "64k")
    restart("before the full backup")
    before = len(jobs)
    dom.backupBegin("""<domainbackup><disks>
  <disk name='vda' type='file'><target file='%s'/><driver type='qcow2'/></disk>
  <disk name='vdb' type='file'><target file='%s'/><driver type='qcow2'/></disk>
</disks></domainbackup>""" % (path("full-vda.qcow2"), path("full-vdb.qcow2")),
                    "<domaincheckpoint><name>c1</name></domaincheckpoint>")
    params = job_event_for_begin(before)
    ok(params is not None and params.get("success") == 1 and
       params.get("operation") == libvirt.VIR_DOMAIN_JOB_OPERATION_BACKUP,
       "job-completed event of the full push backup", params)
    stats = dom.jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
    ok(stats.get("type") == libvirt.VIR_DOMAIN_JOB_COMPLETED and
       stats.get("disk_total") == 2 * 64 * 1024 * 1024, "jobStats(COMPLETED)", stats)
    ok(same_image(path("full-vda.qcow2"), path("ref-vda.qcow2")) and
       same_image(path("full-vdb.qcow2"), path("ref-vdb.qcow2")),
       "the full backup equals the disks (qemu-img compare)")
    ok([c.getName() for c in dom.listAllCheckpoints()] == ["c1"], "listAllCheckpoints: c1")

    # ---- incremental push since c1, with checkpoint c2 ------------------------------
    guest_write("virtio-disk0", "ref-vda.qcow2", 0x21, "2M", "64k")
    guest_write("virtio-disk0", "ref-vda.qcow2", 0x22, "30M", "128k")
    guest_write("virtio-disk1", "ref-vdb.qcow2", 0x23, "0", "4k")
    restart("before the incremental backup")
    before = len(jobs)
    dom.backupBegin("""<domainbackup><incremental>c1</incremental><disks>
  <disk name='vda' type='file'><target file='%s'/><driver type='qcow2'/></disk>
  <disk name='vdb' type='file'><target file='%s'/><driver type='qcow2'/></disk>
</disks></domainbackup>""" % (path("inc-vda.qcow2"), path("inc-vdb.qcow2")),
                    "<domaincheckpoint><name>c2</name></domaincheckpoint>")
    params = job_event_for_begin(before)
    ok(params is not None and params.get("success") == 1,
       "job-completed event of the incremental push backup", params)
    for d in ("vda", "vdb"):
        run("qemu-img", "rebase", "-u", "-b", path("full-%s.qcow2" % d), "-F", "qcow2",
            path("inc-%s.qcow2" % d))
    ok(same_image(path("inc-vda.qcow2"), path("ref-vda.qcow2")) and
       same_image(path("inc-vdb.qcow2"), path("ref-vdb.qcow2")),
       "full + incremental equals the disks (qemu-img compare)")
    c2 = dom.checkpointLookupByName("c2")
    ok(c2.getParent().getName() == "c1", "c2's parent is c1")
    ok("<name>c2</name>" in c2.getXMLDesc(0), "checkpoint XML")

    # ---- pull backup since c2, read with nbdcopy ------------------------------------
    guest_write("virtio-disk0", "ref-vda.qcow2", 0x31, "40M", "64k")
    sock = path("nbd.sock")
    dom.backupBegin("""<domainbackup mode='pull'><incremental>c2</incremental>
  <server transport='unix' socket='%s'/>
  <disks><disk name='vda'/><disk name='vdb' backup='no'/></disks>
</domainbackup>""" % sock, "<domaincheckpoint><name>c3</name></domaincheckpoint>")
    ok("exportbitmap='backup-vda'" in dom.backupGetXMLDesc(), "backupGetXMLDesc of the pull backup")
    info = dom.jobInfo()
    ok(info[0] == libvirt.VIR_DOMAIN_JOB_UNBOUNDED, "jobInfo: the pull job runs", info)
    restart("during the pull backup")
    r = run("nbdcopy", "nbd+unix:///vda?socket=" + sock, path("pull-vda.raw"))
    ok(r.returncode == 0 and same_image(path("pull-vda.raw"), path("ref-vda.qcow2")),
       "nbdcopy of the pull export equals the disk", r.stdout)
    r = run("nbdinfo", "--map=qemu:dirty-bitmap:backup-vda", "nbd+unix:///vda?socket=" + sock) \
        if shutil.which("nbdinfo") else None
    if r is not None:
        dirty = [l for l in r.stdout.splitlines() if "dirty" in l]
        ok(r.returncode == 0 and len(dirty) == 1 and dirty[0].split()[0] == str(40 << 20),
           "the export's dirty bitmap holds exactly the write since c2", r.stdout)
    before = len(jobs)
    dom.abortJob()
    params = job_event_for_begin(before)
    ok(params is not None and params.get("operation") == libvirt.VIR_DOMAIN_JOB_OPERATION_BACKUP,
       "job-completed event when the pull backup ends", params)
    ok(not os.path.exists(sock), "the export socket is gone")
    ok(dom.jobInfo()[0] == libvirt.VIR_DOMAIN_JOB_NONE, "no job afterwards")

    # ---- errors travel with their codes ---------------------------------------------
    try:
        dom.checkpointLookupByName("nosuch")
        ok(False, "a missing checkpoint is an error")
    except libvirt.libvirtError as e:
        ok(e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN_CHECKPOINT,
           "a missing checkpoint: VIR_ERR_NO_DOMAIN_CHECKPOINT", e.get_error_message())
    try:
        conn.lookupByName("nosuch")
        ok(False, "a missing domain is an error")
    except libvirt.libvirtError as e:
        ok(e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN, "a missing domain: VIR_ERR_NO_DOMAIN")

    # ---- lifecycle events of changes made elsewhere ---------------------------------
    def lifecycle_after(before, event, detail):
        return wait_for(lambda: ("pydom", event, detail) in lifecycle[before:], 20)

    conn2 = libvirt.open(URI)
    before = len(lifecycle)
    conn2.lookupByName("pydom").suspend()
    ok(lifecycle_after(before, libvirt.VIR_DOMAIN_EVENT_SUSPENDED,
                       libvirt.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED),
       "lifecycle event of a suspend through another connection", lifecycle[before:])
    conn2.close()
    embedded = "qemu:///embed?root=" + ROOT
    before = len(lifecycle)
    r = run(FLEECE, "-c", embedded, "resume", "pydom")
    ok(r.returncode == 0 and lifecycle_after(before, libvirt.VIR_DOMAIN_EVENT_RESUMED,
                                             libvirt.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED),
       "lifecycle event of a resume by another process (fleece, embedded driver)",
       r.stdout + str(lifecycle[before:]))

    # ---- the end --------------------------------------------------------------------
    dom.destroy()
    ok(wait_for(lambda: ("pydom", libvirt.VIR_DOMAIN_EVENT_STOPPED,
                         libvirt.VIR_DOMAIN_EVENT_STOPPED_DESTROYED) in lifecycle, 20),
       "lifecycle event: stopped (destroyed)", lifecycle)
    # a QEMU that dies: the daemon notices and says so
    before = len(lifecycle)
    dom.create()
    with open(os.path.join(ROOT, "run", "pydom.pid")) as f:
        os.kill(int(f.read()), signal.SIGKILL)
    ok(lifecycle_after(before, libvirt.VIR_DOMAIN_EVENT_STOPPED,
                       libvirt.VIR_DOMAIN_EVENT_STOPPED_CRASHED),
       "lifecycle event of a QEMU killed behind the daemon's back: stopped (crashed)",
       lifecycle[before:])
    ok(dom.state() == [libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_CRASHED],
       "the domain is shut off (crashed)", dom.state())
    before = len(lifecycle)
    dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA)
    ok(lifecycle_after(before, libvirt.VIR_DOMAIN_EVENT_UNDEFINED,
                       libvirt.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED),
       "lifecycle event: undefined", lifecycle[before:])
    ok(conn.listAllDomains() == [], "undefined")
    conn.close()


try:
    main()
except Exception as e:   # a failure the cases above did not catch
    import traceback
    ok(False, "the program ran to the end", traceback.format_exc())
finally:
    cleanup()

print("1..%d" % n)
sys.exit(1 if failed else 0)
