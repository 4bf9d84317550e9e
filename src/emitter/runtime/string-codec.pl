#!/usr/bin/perl
# The string codec of the launcher runtime (launcher-runtime.sh): string values between the wire
# format (a JSON string, as Python's json.dumps writes it) and the plain text programs read and
# write, streamed in blocks of 1 MiB, at close to the speed of copying the bytes. Only perl-base
# (Debian's essential Perl) is used. The launcher embeds this file in a here-document and runs it
# as `perl /dev/fd/3 MODE [FILE]` (tkr_codec); it uses jq instead where perl is missing.
#
# Modes (stdin is the value to convert; FILE is created or truncated for the result):
#   decode FILE       a JSON string (white space around it allowed) → its text, UTF-8
#   decode-line FILE  the same, plus a newline unless the text is empty or ends with one (@stdio)
#   value             the same as decode, for a value that becomes a variable or an argument:
#                     prints `ok`, NUL, the text (no NUL in it); for a bad value `no`, NUL, the reason
#   encode FILE       text → a JSON string: ASCII, `\uXXXX` escapes (lower-case hex, surrogate
#                     pairs above U+FFFF) and \" \\ \n \r \t \b \f, as Python's json.dumps writes
#                     it, minus one trailing newline (the line end `echo` writes)
#
# Strict both ways: text must be UTF-8 (no surrogates, nothing above U+10FFFF, no overlong
# forms), and a JSON string must be exactly one string with valid escapes and no lone surrogate.
# Exit status: 0; 1 for a bad value (the reason on stderr, one line, in words that follow
# "input 'port' " or "output 'port' "); 2 when FILE cannot be written (stderr: `cannot write:
# <reason>`); 3 when stdin cannot be read; 64 for a wrong use.
use strict;
use warnings;

my $BLOCK = 1 << 20;

# One well-formed UTF-8 character of two to four bytes (RFC 3629).
my $WIDE = qr/[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}
  |\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}/x;

my ($mode, $file) = (@ARGV, '', '');
binmode STDIN;
binmode STDOUT;
my $out = \*STDOUT;

sub bad {
    my ($why) = @_;
    if ($mode eq 'value') {
        print "no\0$why";
        exit 1;
    }
    print STDERR "$why\n";
    exit 1;
}

sub emit {
    my ($data) = @_;
    my $at = 0;
    while ($at < length $data) {
        my $n = syswrite $out, $data, length($data) - $at, $at;
        cannot_write() unless defined $n;
        $at += $n;
    }
}

sub cannot_write {
    print STDERR "cannot write: $!\n";
    exit 2;
}

# Appends up to a block of stdin to $_[0]; returns 0 at the end of the input.
sub more {
    my $n = sysread STDIN, $_[0], $BLOCK, length $_[0];
    if (!defined $n) {
        print STDERR "cannot read: $!\n";
        exit 3;
    }
    return $n;
}

# The offset in $bytes of the first byte that does not start a well-formed character, or -1.
sub first_bad_utf8 {
    my ($bytes) = @_;
    return -1 unless $bytes =~ /[\x80-\xff]/;
    my $bad = 0;
    while ($bytes =~ /([\x80-\xff]+)/g) {
        (my $rest = $1) =~ s/$WIDE//g;
        $bad = 1, last if $rest ne '';
    }
    return -1 unless $bad;
    pos($bytes) = 0;
    while ($bytes =~ /\G(?:[\x00-\x7f]+|$WIDE)/gc) { }
    return pos($bytes) // 0;
}

sub not_utf8 {
    my ($bytes, $at, $offset) = @_;
    bad(sprintf 'is not valid UTF-8 text (byte 0x%02x at offset %d)', ord substr($bytes, $at, 1), $offset + $at);
}

# --- decoding ---------------------------------------------------------------------------------

my %SIMPLE = ('"' => '"', '\\' => '\\', '/' => '/', b => "\b", f => "\f", n => "\n", r => "\r", t => "\t");
my %BMP;    # the hex digits of an escape (or of a surrogate pair's two) → UTF-8 bytes

sub bad_escape {
    my ($part) = @_;
    $part =~ /\\(?!u[0-9a-fA-F]{4})([\x21-\x7e]?)/;
    bad("is not a valid JSON string (a bad escape \\$1)");
}

sub lone { bad("holds a lone surrogate (\\u$_[0]), which no UTF-8 text can carry") }

sub unicode {
    my ($hex, $low) = @_;
    my $cp = hex $hex;
    if ($cp >= 0xd800 && $cp <= 0xdbff) {
        lone($hex) unless defined $low;
        return $BMP{"$hex$low"} //= do {
            my $char = chr(0x10000 + (($cp - 0xd800) << 10) + (hex($low) - 0xdc00));
            utf8::encode($char);
            $char;
        };
    }
    lone($hex) if $cp >= 0xdc00 && $cp <= 0xdfff;
    lone($low) if defined $low;
    bad('holds a NUL character, which no argument or environment value can hold') if $cp == 0 && $mode eq 'value';
    return $BMP{$hex} //= do { my $char = chr $cp; utf8::encode($char); $char };
}

# The text of $part, a piece of a string's body that no escape crosses. Each kind of escape is
# replaced in a pass of its own (a constant replacement runs at memory speed, a callback per
# match would not): escaped backslashes become NUL first (no raw control character is left at
# that point), so that every backslash left starts an escape, and no pass reads what another wrote.
sub unescape {
    my ($part, $offset) = @_;
    bad('is not a valid JSON string (a control character is not escaped)') if $part =~ tr/\x00-\x1f//;
    my $at = first_bad_utf8($part);
    not_utf8($part, $at, $offset) if $at >= 0;
    return $part if index($part, '\\') < 0;
    $part =~ s/\\\\/\x00/g;
    $part =~ s/\\n/\n/g;
    $part =~ s/\\t/\t/g;
    $part =~ s/\\"/"/g;
    $part =~ s/\\r/\r/g;
    $part =~ s/\\\//\//g;
    $part =~ s/\\b/\b/g;
    $part =~ s/\\f/\f/g;
    # Then \u escapes and the NULs, in one pass: what it writes is not read again. Every backslash
    # left must start a \u escape: one that does not is a bad escape.
    my $slashes = $part =~ tr/\\//;
    return $part if !$slashes && index($part, "\x00") < 0;
    my ($before, $seen) = ($part, 0);
    $part =~ s{\\u([0-9a-fA-F]{4})(?:\\u([dD][c-fC-F][0-9a-fA-F]{2}))?|\x00}
      {defined $1 ? defined $2 ? ($seen += 2, unicode($1, $2)) : ($seen++, $BMP{$1} // unicode($1)) : '\\'}ge;
    bad_escape($before) if $seen != $slashes;
    return $part;
}

# Where a block may be cut so that no escape, surrogate pair or UTF-8 character is split: before
# the first run of backslashes that begins within 12 bytes of the end (a run starts at an escape),
# and before a high surrogate escape just ahead of it (its pair may follow).
sub cut {
    my ($buf) = @_;
    my $length = length $buf;
    my $from = $length > 12 ? $length - 12 : 0;
    my $slash = index $buf, '\\', $from;
    if ($slash < 0) {
        return $length unless substr($buf, -3) =~ /[\xc0-\xff][\x80-\xbf]*\z/;
        return $length - (length(substr $buf, -3) - $-[0]);
    }
    my $at = $slash;
    $at-- while $at > 0 && substr($buf, $at - 1, 1) eq '\\';
    if ($at >= 6 && substr($buf, $at - 6, 6) =~ /\A\\u[dD][89abAB][0-9a-fA-F]{2}\z/) {
        $at -= 6;
        $at-- while $at > 0 && substr($buf, $at - 1, 1) eq '\\';
    }
    return $at;
}

# The offset of the quote that closes the string in $buf (which starts where a token starts), or
# -1: the first quote after an even run of backslashes.
sub closing_quote {
    my $at = -1;
    while (($at = index $_[0], '"', $at + 1) >= 0) {
        my $run = 0;
        $run++ while $run < $at && substr($_[0], $at - $run - 1, 1) eq '\\';
        return $at if $run % 2 == 0;
    }
    return -1;
}

sub decode {
    my $buf = '';
    my $offset = 0;    # of $buf in the input
    my ($eof, $text, $last, $value) = (0, 0, '', '');
    # The opening quote, after white space.
    while (1) {
        $eof = !more($buf);
        $offset += length $1 if $buf =~ s/\A([ \t\n\r]+)//;
        last if $buf ne '' || $eof;
    }
    bad('is not a valid JSON string') unless $buf =~ s/\A"//;
    $offset++;
    while (1) {
        my $quote = closing_quote($buf);
        bad('is not a valid JSON string (it has no closing quote)') if $quote < 0 && $eof;
        my $body = substr $buf, 0, $quote >= 0 ? $quote : cut($buf), '';
        if ($body ne '') {
            my $part = unescape($body, $offset);
            $offset += length $body;
            if ($mode eq 'value') {
                $value .= $part;
            } elsif ($part ne '') {
                emit($part);
                $last = substr $part, -1;
                $text = 1;
            }
        }
        if ($quote >= 0) {
            # After the closing quote, white space only.
            substr $buf, 0, 1, '';
            while (1) {
                bad('is not a valid JSON string (more follows the closing quote)') if $buf =~ /[^ \t\n\r]/;
                last if $eof;
                $buf = '';
                $eof = !more($buf);
            }
            last;
        }
        $eof = !more($buf);
    }
    if ($mode eq 'value') {
        print "ok\0$value";
    } elsif ($mode eq 'decode-line' && $text && $last ne "\n") {
        emit("\n");
    }
}

# --- encoding ---------------------------------------------------------------------------------

my %ESCAPE;          # control character → escape
$ESCAPE{ chr $_ } = sprintf '\\u%04x', $_ for 0 .. 0x1f, 0x7f;
my %WIDE_ESCAPE;     # a run of UTF-8 bytes → escapes (short runs only: they repeat)
my $not_text = 0;    # set when a run is not UTF-8

# The escapes of a run of non-ASCII bytes; '' (and $not_text set) when it is not UTF-8.
sub wide_escape {
    my ($run) = @_;
    (my $rest = $run) =~ s/$WIDE//g;
    if ($rest ne '') {
        $not_text = 1;
        return '';
    }
    utf8::decode($run);
    my $escaped = '';
    for my $cp (unpack 'W*', $run) {
        if ($cp < 0x10000) {
            $escaped .= sprintf '\\u%04x', $cp;
        } else {
            $cp -= 0x10000;
            $escaped .= sprintf '\\u%04x\\u%04x', 0xd800 + ($cp >> 10), 0xdc00 + ($cp & 0x3ff);
        }
    }
    return $escaped;
}

# The escaped form of $part: as in unescape, a pass per kind of character, the backslash first.
sub escape {
    my ($part, $offset) = @_;
    my $original = $part;
    $part =~ s/\\/\\\\/g;
    $part =~ s/"/\\"/g;
    $part =~ s/\n/\\n/g;
    $part =~ s/\t/\\t/g;
    $part =~ s/\r/\\r/g;
    $part =~ s/\x08/\\b/g;
    $part =~ s/\f/\\f/g;
    $part =~ s/([\x00-\x07\x0b\x0e-\x1f\x7f])/$ESCAPE{$1}/g;
    if ($part =~ /[\x80-\xff]/) {
        $part =~ s/([\x80-\xff]+)/length $1 <= 8 ? $WIDE_ESCAPE{$1} \/\/= wide_escape($1) : wide_escape($1)/ge;
        not_utf8($original, first_bad_utf8($original), $offset) if $not_text;
    }
    return $part;
}

sub encode {
    my $buf = '';
    my $offset = 0;    # of $buf in the input
    my $eof = 0;
    emit('"');
    until ($eof) {
        $eof = !more($buf);
        my $keep = 0;
        if ($eof) {
            $buf =~ s/\n\z//;
        } elsif (substr($buf, -3) =~ /[\xc0-\xff][\x80-\xbf]*\z/) {
            # A character that may be incomplete waits for the next block.
            $keep = length(substr $buf, -3) - $-[0];
        } elsif (substr($buf, -1) eq "\n") {
            # So does a final line end, which is not part of the text if nothing follows.
            $keep = 1;
        }
        my $part = substr $buf, 0, length($buf) - $keep;
        $buf = substr $buf, length($buf) - $keep;
        my $length = length $part;
        $part = escape($part, $offset);
        emit($part);
        $offset += $length;
    }
    emit('"');
}

if ($mode !~ /\A(?:encode|decode|decode-line|value)\z/ || ($mode ne 'value' && $file eq '')) {
    print STDERR "usage: string-codec.pl encode|decode|decode-line FILE <in; string-codec.pl value <in\n";
    exit 64;
}
if ($mode ne 'value') {
    open $out, '>', $file or cannot_write();
    binmode $out;
}
if ($mode eq 'encode') {
    encode();
} else {
    decode();
}
close $out or cannot_write();
