#!/usr/bin/perl
# The Perl process helper: starts task processes for the controller (protocol in spawner.ts).
#
# Requests on stdin, one a line, fields separated by \x1f:
#   id, cwd, stdin file, stdout file, stdout mode (w|a), stderr file, n, n × NAME=value, command...
# Reports on stdout: `S <id> <pid>` once started, then `E <id> <code> 0` or `E <id> - <signal>`.
#
# Each task runs in a session of its own (its pid is the session and process group id). When the
# task's process ends, whatever it left running in its group is killed before its end is
# reported, so nothing a task started outlives it. A process may leave the task's group (a
# launcher runs its program in a group of its own), but not its session: on Linux the helper is a
# child subreaper, so a task's processes whose parent has ended become the helper's children, and
# those in the session of an ended task are killed with their group. When stdin closes (the
# controller is gone), running tasks are stopped as a timeout stops them: SIGTERM to their groups,
# SIGKILL after a grace.
#
# Waiting cannot lose a wakeup: SIGCHLD and SIGIO (stdin readable, through O_ASYNC) stay blocked
# except inside sigsuspend, which unblocks them and waits in one atomic step. A child that ends,
# or a request that arrives, while the loop is busy leaves its signal pending, and the next
# sigsuspend returns at once. (A select on a self-pipe written by a %SIG handler is not enough in
# Perl: %SIG handlers run between ops, so a SIGCHLD arriving just before select wrote its byte
# only after select returned, and the helper slept with a zombie child.)
use strict;
use warnings;
use POSIX qw(:signal_h :sys_wait_h :errno_h);
use Config;
use Fcntl qw(F_GETFL F_SETFL F_SETOWN O_NONBLOCK O_ASYNC);

# POSIX.pm has no SIGIO; the signal table perl was built with does.
my %signo;
@signo{ split ' ', $Config{sig_name} } = split ' ', $Config{sig_num};
my $SIGIO = $signo{IO};

$| = 1;
my $grace_ms = $ARGV[0] // 2000;    # between SIGTERM and SIGKILL (KILL_GRACE_MS in spawner.ts)
# Test hook: a pause between the last check and the wait, where a lost wakeup would happen.
my $pause = delete $ENV{TW_HELPER_TEST_PAUSE};

my $wake = POSIX::SigSet->new(SIGCHLD, $SIGIO);
my $unblocked = POSIX::SigSet->new();
sigprocmask(SIG_BLOCK, $wake, $unblocked) or die "process helper: sigprocmask: $!\n";
$unblocked->delset(SIGCHLD);
$unblocked->delset($SIGIO);
# Handlers that do nothing: a caught signal ends sigsuspend, and the loop does the work.
$SIG{CHLD} = $SIG{IO} = sub { };
# `0 + $$`: a number, which fcntl passes as is (a string would be passed as a pointer).
fcntl(STDIN, F_SETOWN, 0 + $$) or die "process helper: F_SETOWN on stdin: $!\n";
my $flags = fcntl(STDIN, F_GETFL, 0) or die "process helper: F_GETFL on stdin: $!\n";
fcntl(STDIN, F_SETFL, $flags | O_NONBLOCK | O_ASYNC) or die "process helper: F_SETFL on stdin: $!\n";

my %job;      # pid → request id, for tasks still running
my %ended;    # session ids of ended tasks whose leftovers may still have to be killed
my $buf = '';

# Linux: adopt orphaned descendants (prctl PR_SET_CHILD_SUBREAPER, by syscall number: POSIX.pm has
# no prctl), and list them from /proc. Elsewhere only the task's group is killed.
my %prctl = (x86_64 => 157, aarch64 => 167, i386 => 172, i686 => 172, arm => 172, ppc64le => 171, s390x => 172);
my ($arch) = $Config{archname} =~ /^([^-]+)/;
my $children = "/proc/$$/task/$$/children";
my $subreaper = $^O eq 'linux' && $prctl{$arch} && -e $children && syscall($prctl{$arch}, 36, 1, 0, 0, 0) == 0;

sub launch {
  my @f = split /\x1f/, $_[0], -1;
  my ($id, $cwd, $inp, $out, $mode, $err, $n) = splice(@f, 0, 7);
  my @env = splice(@f, 0, $n);
  my @cmd = @f;
  my $pid = fork();
  if (!defined $pid) { print "E $id 126 0\n"; return; }
  if ($pid == 0) {
    $SIG{CHLD} = $SIG{IO} = 'DEFAULT';
    sigprocmask(SIG_SETMASK, $unblocked);
    POSIX::setsid();
    open(STDERR, '>>', $err) or POSIX::_exit(127);
    chdir $cwd or do { print STDERR "cannot enter $cwd: $!\n"; POSIX::_exit(127) };
    for (@env) { my ($k, $v) = split /=/, $_, 2; $ENV{$k} = $v; }
    open(STDIN, '<', $inp) or do { print STDERR "cannot read $inp: $!\n"; POSIX::_exit(127) };
    open(STDOUT, $mode eq 'w' ? '>' : '>>', $out) or do { print STDERR "cannot write $out: $!\n"; POSIX::_exit(127) };
    { no warnings 'exec'; exec { $cmd[0] } @cmd; }
    print STDERR "cannot run $cmd[0]: $!\n";
    POSIX::_exit(127);
  }
  # (Only the child can make the session; a stop sent before it runs finds no group, and the
  # SIGKILL that follows after the grace does.)
  delete $ended{$pid};
  $job{$pid} = $id;
  print "S $id $pid\n";
}

sub report {
  my ($pid, $st) = @_;
  my $id = delete $job{$pid};
  return unless defined $id;
  # What the task left running ends with it. The group id cannot have been reused yet: it stays
  # taken while any member lives, and this helper starts nothing in between.
  kill '-KILL', $pid;
  $ended{$pid} = 1 if $subreaper;
  sweep();
  print "E $id ", ($st & 127) ? "- " . ($st & 127) : ($st >> 8) . " 0", "\n";
}

# Kills the adopted processes (and their groups) that belong to the session of an ended task.
sub sweep {
  return unless %ended;
  open(my $fh, '<', $children) or return;
  my @pids = split ' ', (<$fh> // '');
  close $fh;
  for my $pid (@pids) {
    next if $job{$pid};
    open(my $st, '<', "/proc/$pid/stat") or next;
    my $line = <$st> // '';
    close $st;
    # pid (comm) state ppid pgrp session ...; comm may hold spaces and parentheses.
    my ($pgrp, $session) = (split ' ', substr($line, rindex($line, ')') + 2))[2, 3];
    next unless defined $session && $ended{$session};
    kill '-KILL', $pgrp;
    kill 'KILL', $pid;
  }
}

sub reap {
  while ((my $pid = waitpid(-1, WNOHANG)) > 0) {
    if ($job{$pid}) { report($pid, $?); }
    else { sweep(); }    # an adopted process ended: its children may be adopted now
  }
}

# Reads and starts every request that has arrived; false once stdin is closed.
sub read_requests {
  while (1) {
    my $got = sysread(STDIN, $buf, 65536, length $buf);
    if (!defined $got) {
      return 1 if $! == EAGAIN || $! == EINTR;
      return 0;
    }
    return 0 if $got == 0;
    while ((my $i = index($buf, "\n")) >= 0) {
      my $line = substr($buf, 0, $i);
      substr($buf, 0, $i + 1) = '';
      launch($line);
    }
  }
}

sub stop_all {
  return unless %job;
  $SIG{PIPE} = 'IGNORE';    # nobody may read the reports any more
  kill '-TERM', keys %job;
  for (1 .. $grace_ms / 50) {    # polling is fine here: the helper is shutting down
    reap();
    last unless %job;
    select(undef, undef, undef, 0.05);
  }
  kill '-KILL', keys %job;
  for my $pid (keys %job) { report($pid, $?) if waitpid($pid, 0) > 0; }
}

while (1) {
  reap();
  last unless read_requests();
  select(undef, undef, undef, $pause) if $pause;
  sigsuspend($unblocked);
}
stop_all();
