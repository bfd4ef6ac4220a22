package BBW::Oracle;
# The expected REST entities, built in Perl straight from the fixture
# database (the one mod_bbwww reads, named by BBW_DBD_DRIVER/BBW_DBD_PARAMS)
# by the rules of shared/spec/resource-types.md. Independent of the C module:
# a test compares the module's JSON with these, so both engines are checked
# against their own data by the same test files.
use strict;
use warnings;

use Exporter 'import';
use DBI ();
use JSON::PP ();
use Compress::Raw::Zlib ();
use Compress::Raw::Bzip2 ();
use Encode ();

our @EXPORT = qw(db rows row value);

my $json = JSON::PP->new->allow_nonref;
my $T = JSON::PP::true;
my $F = JSON::PP::false;

my $dbh;

# db(): DBI handle on the fixture database.
sub db {
    return $dbh if $dbh;
    my $driver = $ENV{BBW_DBD_DRIVER} || 'sqlite3';
    my $params = $ENV{BBW_DBD_PARAMS} or die "BBW_DBD_PARAMS is not set\n";
    if ($driver eq 'sqlite3') {
        $dbh = DBI->connect("dbi:SQLite:dbname=$params", '', '',
                            { RaiseError => 1, PrintError => 0,
                              sqlite_unicode => 1 });
        $dbh->do('PRAGMA busy_timeout = 5000');
    }
    elsif ($driver eq 'pgsql') {
        my %p = map { split /=/, $_, 2 } split ' ', $params;
        my $user = delete $p{user} // '';
        my $password = delete $p{password} // '';
        my $dsn = 'dbi:Pg:' . join ';', map { "$_=$p{$_}" } sort keys %p;
        $dbh = DBI->connect($dsn, $user, $password,
                            { RaiseError => 1, PrintError => 0,
                              pg_enable_utf8 => 1 });
    }
    else {
        die "unknown BBW_DBD_DRIVER '$driver'\n";
    }
    return $dbh;
}

sub rows  { my ($sql, @bind) = @_; db()->selectall_arrayref($sql, { Slice => {} }, @bind) }
sub row   { my ($sql, @bind) = @_; db()->selectrow_hashref($sql, undef, @bind) }
sub value { my ($sql, @bind) = @_; (db()->selectrow_array($sql, undef, @bind))[0] }

# JSON-typed conversions (fresh scalars so JSON::PP sees the right type).
sub int_or_null { defined $_[0] ? 0 + $_[0] : undef }
sub str_or_null { defined $_[0] ? "$_[0]" : undef }
sub bool        { $_[0] ? $T : $F }
sub decode_json_text { my $v = eval { $json->decode($_[0]) }; $v }

# ------------------------------------------------------------------ masters
sub master {
    my $r = shift or return undef;
    return { masterid => 0 + $r->{id}, name => "$r->{name}",
             active => bool($r->{active}), last_active => 0 + $r->{last_active} };
}

sub masters {
    return [ map { master($_) } @{ rows('SELECT * FROM masters ORDER BY id') } ];
}

sub master_by_id {
    my $id = shift;
    return master(row('SELECT * FROM masters WHERE id = ?', $id));
}

# ----------------------------------------------------------------- builders
sub builder {
    my $r = shift or return undef;
    my $masterids = db()->selectcol_arrayref(
        'SELECT masterid FROM builder_masters WHERE builderid = ? ORDER BY masterid',
        undef, $r->{id});
    my $tags = db()->selectcol_arrayref(
        'SELECT t.name FROM builders_tags bt JOIN tags t ON t.id = bt.tagid
          WHERE bt.builderid = ? ORDER BY bt.id', undef, $r->{id});
    return { builderid => 0 + $r->{id}, name => "$r->{name}",
             description => str_or_null($r->{description}),
             masterids => [ map { 0 + $_ } grep { $_ } @$masterids ],
             tags => [ map { "$_" } @$tags ] };
}

sub builders {
    return [ map { builder($_) } @{ rows('SELECT * FROM builders ORDER BY id') } ];
}

sub builder_by_id { builder(row('SELECT * FROM builders WHERE id = ?', $_[0])) }

# ------------------------------------------------------------------- builds
sub build {
    my $r = shift or return undef;
    return { buildid => 0 + $r->{id}, number => 0 + $r->{number},
             builderid => 0 + $r->{builderid},
             buildrequestid => 0 + $r->{buildrequestid},
             workerid => int_or_null($r->{workerid}),
             masterid => 0 + $r->{masterid}, started_at => 0 + $r->{started_at},
             complete => bool(defined $r->{complete_at}),
             complete_at => int_or_null($r->{complete_at}),
             results => int_or_null($r->{results}),
             state_string => "$r->{state_string}", properties => {} };
}

# builds([WHERE, BIND...]): builds in id order.
sub builds {
    my ($where, @bind) = @_;
    $where = $where ? "WHERE $where" : '';
    return [ map { build($_) } @{ rows("SELECT * FROM builds $where ORDER BY id", @bind) } ];
}

sub build_by_id { build(row('SELECT * FROM builds WHERE id = ?', $_[0])) }

# build_properties(BUILDID): {name => [value, source]}.
sub build_properties {
    my $buildid = shift;
    my %p;
    for my $r (@{ rows('SELECT name, value, source FROM build_properties
                        WHERE buildid = ?', $buildid) }) {
        $p{ $r->{name} } = [ decode_json_text($r->{value}), "$r->{source}" ];
    }
    return \%p;
}

sub build_property_list {
    my $buildid = shift;
    # value: the decoded value JSON-encoded again with Python's defaults.
    return [ map { { name => "$_->{name}", source => "$_->{source}",
                     value => python_dumps(decode_json_text($_->{value})) } }
             @{ rows('SELECT name, value, source FROM build_properties
                      WHERE buildid = ?', $buildid) } ];
}

sub buildset_properties {
    my $bsid = shift;
    my %p;
    for my $r (@{ rows('SELECT property_name, property_value FROM buildset_properties
                        WHERE buildsetid = ?', $bsid) }) {
        my $v = decode_json_text($r->{property_value});
        next unless ref $v eq 'ARRAY';
        $p{ $r->{property_name} } = $v;
    }
    return \%p;
}

sub buildset_property_list {
    my $bsid = shift;
    my @list;
    for my $r (@{ rows('SELECT property_name, property_value FROM buildset_properties
                        WHERE buildsetid = ?', $bsid) }) {
        my $v = decode_json_text($r->{property_value});
        next unless ref $v eq 'ARRAY';
        push @list, { name => "$r->{property_name}", source => $v->[1],
                      value => python_dumps($v->[0]) };
    }
    return \@list;
}

# python_dumps(VALUE): json.dumps with default options for plain values.
sub python_dumps {
    my $v = shift;
    my $text = JSON::PP->new->allow_nonref->ascii->encode($v);
    my $out = '';
    while ($text =~ /\G("[^"\\]*+(?:\\.[^"\\]*+)*+"|[,:]|[^",:]+)/gc) {
        my $t = $1;
        $out .= $t eq ',' ? ', ' : $t eq ':' ? ': ' : $t;
    }
    return $out;
}

# ------------------------------------------------------------ steps and logs
sub step {
    my $r = shift or return undef;
    my $urls = decode_json_text($r->{urls_json});
    return { stepid => 0 + $r->{id}, number => 0 + $r->{number},
             name => "$r->{name}", buildid => 0 + $r->{buildid},
             started_at => int_or_null($r->{started_at}),
             complete => bool(defined $r->{complete_at}),
             complete_at => int_or_null($r->{complete_at}),
             results => int_or_null($r->{results}),
             state_string => "$r->{state_string}",
             urls => ref $urls eq 'ARRAY' ? $urls : [],
             hidden => bool($r->{hidden}) };
}

sub steps_of_build {
    my $buildid = shift;
    return [ map { step($_) } @{ rows('SELECT * FROM steps WHERE buildid = ? ORDER BY number', $buildid) } ];
}

sub step_by_id { step(row('SELECT * FROM steps WHERE id = ?', $_[0])) }

sub log_entity {
    my $r = shift or return undef;
    return { logid => 0 + $r->{id}, name => "$r->{name}", slug => "$r->{slug}",
             stepid => 0 + $r->{stepid}, complete => bool($r->{complete}),
             num_lines => 0 + $r->{num_lines}, type => "$r->{type}" };
}

sub logs_of_step {
    my $stepid = shift;
    return [ map { log_entity($_) } @{ rows('SELECT * FROM logs WHERE stepid = ? ORDER BY id', $stepid) } ];
}

sub log_by_id { log_entity(row('SELECT * FROM logs WHERE id = ?', $_[0])) }

# ---------------------------------------------------------------- log text
sub lz4_block_decode {
    my $in = shift;
    my $size = unpack 'V', substr($in, 0, 4);
    my $pos = 4;
    my $out = '';
    my $len = length $in;
    while ($pos < $len) {
        my $token = ord substr($in, $pos++, 1);
        my $lit = $token >> 4;
        if ($lit == 15) {
            my $b;
            do { $b = ord substr($in, $pos++, 1); $lit += $b } while ($b == 255);
        }
        $out .= substr($in, $pos, $lit);
        $pos += $lit;
        last if $pos >= $len;
        my $offset = unpack 'v', substr($in, $pos, 2);
        $pos += 2;
        my $mlen = $token & 15;
        if ($mlen == 15) {
            my $b;
            do { $b = ord substr($in, $pos++, 1); $mlen += $b } while ($b == 255);
        }
        $mlen += 4;
        my $start = length($out) - $offset;
        for (1 .. $mlen) { $out .= substr($out, $start++, 1) }
    }
    die "lz4: size mismatch\n" unless length($out) == $size;
    return $out;
}

sub decompress_chunk {
    my ($content, $method) = @_;
    $content = '' unless defined $content;
    return $content if $method == 0;
    if ($method == 1) {
        my ($z) = Compress::Raw::Zlib::Inflate->new;
        my $out;
        $z->inflate($content, $out);
        return $out;
    }
    if ($method == 2) {
        my ($inf) = Compress::Raw::Bunzip2->new(0, 0);
        my $out;
        $inf->bzinflate($content, $out);
        return $out;
    }
    return lz4_block_decode($content) if $method == 3;
    die "unknown compression $method\n";
}

# log_lines(LOGID): the decoded lines (without "\n") of every stored chunk,
# in line order; UTF-8 text decoded to characters.
sub log_lines {
    my $logid = shift;
    my @lines;
    my $sth = db()->prepare('SELECT first_line, last_line, content, compressed
                               FROM logchunks WHERE logid = ? ORDER BY first_line');
    $sth->execute($logid);
    while (my $r = $sth->fetchrow_hashref) {
        my $bytes = decompress_chunk($r->{content}, $r->{compressed});
        my $text = Encode::decode('UTF-8', $bytes);
        # A chunk always holds at least one line (perhaps empty).
        push @lines, length $text ? split(/\n/, $text, -1) : ('');
    }
    return \@lines;
}

# ------------------------------------------------------- sourcestamps etc.
sub patch {
    my $id = shift;
    return undef unless defined $id;
    my $r = row('SELECT * FROM patches WHERE id = ?', $id) or return undef;
    require MIME::Base64;
    return undef unless length MIME::Base64::decode_base64($r->{patch_base64} // '');
    return { patchid => 0 + $r->{id}, body => undef, level => 0 + $r->{patchlevel},
             subdir => str_or_null($r->{subdir}), author => "$r->{patch_author}",
             comment => "$r->{patch_comment}" };
}

sub sourcestamp {
    my $r = shift or return undef;
    return { ssid => 0 + $r->{id}, revision => str_or_null($r->{revision}),
             branch => str_or_null($r->{branch}), repository => "$r->{repository}",
             project => "$r->{project}", codebase => "$r->{codebase}",
             patch => patch($r->{patchid}), created_at => 0 + $r->{created_at} };
}

sub sourcestamps {
    return [ map { sourcestamp($_) } @{ rows('SELECT * FROM sourcestamps ORDER BY id') } ];
}

sub sourcestamp_by_id { sourcestamp(row('SELECT * FROM sourcestamps WHERE id = ?', $_[0])) }

sub change {
    my $r = shift or return undef;
    my $files = db()->selectcol_arrayref(
        'SELECT filename FROM change_files WHERE changeid = ?', undef, $r->{changeid});
    my %props;
    for my $p (@{ rows('SELECT property_name, property_value FROM change_properties
                        WHERE changeid = ?', $r->{changeid}) }) {
        my $v = eval { $json->decode($p->{property_value}) };
        next if $@;
        $v = $v->[0] if ref $v eq 'ARRAY' && @$v == 2 && defined $v->[1]
                        && !ref $v->[1] && $v->[1] eq 'Change';
        $props{ $p->{property_name} } = [ $v, 'Change' ];
    }
    return { changeid => 0 + $r->{changeid},
             parent_changeids => $r->{parent_changeids} ? [ 0 + $r->{parent_changeids} ] : [],
             author => "$r->{author}", committer => str_or_null($r->{committer}),
             files => [ map { "$_" } @$files ], comments => "$r->{comments}",
             revision => str_or_null($r->{revision}),
             when_timestamp => 0 + $r->{when_timestamp},
             branch => str_or_null($r->{branch}), category => str_or_null($r->{category}),
             revlink => str_or_null($r->{revlink}), properties => \%props,
             repository => "$r->{repository}", project => "$r->{project}",
             codebase => "$r->{codebase}",
             sourcestamp => sourcestamp_by_id($r->{sourcestampid}) };
}

sub changes_by_id {
    return [ map { change($_) } @{ rows('SELECT * FROM changes ORDER BY changeid') } ];
}

sub change_by_id { change(row('SELECT * FROM changes WHERE changeid = ?', $_[0])) }

# ------------------------------------------------------------------ buildsets
sub buildset {
    my $r = shift or return undef;
    my $ss = rows('SELECT s.* FROM buildset_sourcestamps b JOIN sourcestamps s
                    ON s.id = b.sourcestampid WHERE b.buildsetid = ? ORDER BY b.id', $r->{id});
    return { bsid => 0 + $r->{id}, external_idstring => str_or_null($r->{external_idstring}),
             reason => str_or_null($r->{reason}), submitted_at => 0 + $r->{submitted_at},
             complete => bool($r->{complete}), complete_at => int_or_null($r->{complete_at}),
             results => int_or_null($r->{results}),
             sourcestamps => [ map { sourcestamp($_) } @$ss ],
             parent_buildid => int_or_null($r->{parent_buildid}),
             parent_relationship => str_or_null($r->{parent_relationship}) };
}

sub buildsets {
    return [ map { buildset($_) } @{ rows('SELECT * FROM buildsets ORDER BY id') } ];
}

sub buildset_by_id { buildset(row('SELECT * FROM buildsets WHERE id = ?', $_[0])) }

# buildrequests(): requests visible through the REST inner joins (a request
# whose buildset has no sourcestamp is hidden), id order, properties null.
sub buildrequests {
    my $r = rows('SELECT br.*, c.claimed_at, c.masterid AS claimed_by
                    FROM buildrequests br
                    LEFT JOIN buildrequest_claims c ON c.brid = br.id
                   WHERE EXISTS (SELECT 1 FROM buildset_sourcestamps bss
                                  JOIN sourcestamps s ON s.id = bss.sourcestampid
                                  WHERE bss.buildsetid = br.buildsetid)
                     AND EXISTS (SELECT 1 FROM builders b WHERE b.id = br.builderid)
                     AND EXISTS (SELECT 1 FROM buildsets bs WHERE bs.id = br.buildsetid)
                   ORDER BY br.id');
    return [ map { {
        buildrequestid => 0 + $_->{id}, buildsetid => 0 + $_->{buildsetid},
        builderid => 0 + $_->{builderid}, priority => 0 + $_->{priority},
        claimed => bool(defined $_->{claimed_at}),
        claimed_at => int_or_null($_->{claimed_at}),
        claimed_by_masterid => int_or_null($_->{claimed_by}),
        complete => bool($_->{complete}), results => int_or_null($_->{results}),
        submitted_at => 0 + $_->{submitted_at},
        complete_at => int_or_null($_->{complete_at}),
        waited_for => bool($_->{waited_for}), properties => undef,
    } } @$r ];
}

# ------------------------------------------------------------------- workers
# worker(ROW, masterid => M, builderid => B): with the path restrictions of
# resource-types.md (worker).
sub worker {
    my ($r, %only) = @_;
    return undef unless $r;
    my $conf = rows('SELECT bm.builderid, bm.masterid FROM configured_workers cw
                      JOIN builder_masters bm ON bm.id = cw.buildermasterid
                     WHERE cw.workerid = ? ORDER BY cw.id', $r->{id});
    my @configured = map { { builderid => 0 + $_->{builderid}, masterid => 0 + $_->{masterid} } }
        grep { $_->{builderid} && $_->{masterid} } @$conf;
    @configured = grep { $_->{masterid} == $only{masterid} } @configured if $only{masterid};
    @configured = grep { $_->{builderid} == $only{builderid} } @configured if $only{builderid};
    my $conn = db()->selectcol_arrayref(
        'SELECT masterid FROM connected_workers WHERE workerid = ? ORDER BY id', undef, $r->{id});
    my @connected = map { { masterid => 0 + $_ } } @$conn;
    @connected = grep { $_->{masterid} == $only{masterid} } @connected if $only{masterid};
    my $info = defined $r->{info} ? decode_json_text($r->{info}) : undef;
    return { workerid => 0 + $r->{id}, name => "$r->{name}",
             configured_on => \@configured, connected_to => \@connected,
             workerinfo => ref $info eq 'HASH' ? $info : {},
             paused => bool($r->{paused}), graceful => bool($r->{graceful}) };
}

sub workers {
    my %only = @_;
    my @all = map { worker($_, %only) } @{ rows('SELECT * FROM workers ORDER BY id') };
    if ($only{masterid} || $only{builderid}) {
        @all = grep { @{ $_->{configured_on} } } @all;
    }
    return \@all;
}

# --------------------------------------------------- schedulers/changesources
sub schedulers {
    my $r = rows('SELECT s.*, sm.masterid FROM schedulers s
                   LEFT JOIN scheduler_masters sm ON sm.schedulerid = s.id ORDER BY s.id');
    return [ map { { schedulerid => 0 + $_->{id}, name => "$_->{name}",
                     enabled => bool($_->{enabled}),
                     master => $_->{masterid} ? master_by_id($_->{masterid}) : undef } } @$r ];
}

sub changesources {
    my $r = rows('SELECT c.*, cm.masterid FROM changesources c
                   LEFT JOIN changesource_masters cm ON cm.changesourceid = c.id ORDER BY c.id');
    return [ map { { changesourceid => 0 + $_->{id}, name => "$_->{name}",
                     master => $_->{masterid} ? master_by_id($_->{masterid}) : undef } } @$r ];
}

# -------------------------------------------------------------- test results
sub test_result_set {
    my $r = shift or return undef;
    return { test_result_setid => 0 + $r->{id}, builderid => 0 + $r->{builderid},
             buildid => 0 + $r->{buildid}, stepid => 0 + $r->{stepid},
             description => str_or_null($r->{description}), category => "$r->{category}",
             value_unit => "$r->{value_unit}",
             tests_passed => int_or_null($r->{tests_passed}),
             tests_failed => int_or_null($r->{tests_failed}),
             complete => bool($r->{complete}) };
}

sub test_result_sets {
    my ($where, @bind) = @_;
    $where = $where ? "WHERE $where" : '';
    return [ map { test_result_set($_) } @{ rows("SELECT * FROM test_result_sets $where ORDER BY id", @bind) } ];
}

sub test_results {
    my $setid = shift;
    my $r = rows('SELECT tr.*, tn.name AS test_name, tcp.path AS test_code_path
                    FROM test_results tr
                    JOIN test_result_sets trs ON trs.id = tr.test_result_setid
                    LEFT JOIN test_names tn ON tn.id = tr.test_nameid AND tn.builderid = trs.builderid
                    LEFT JOIN test_code_paths tcp ON tcp.id = tr.test_code_pathid
                         AND tcp.builderid = trs.builderid
                   WHERE tr.test_result_setid = ? AND tr.builderid = trs.builderid
                   ORDER BY tr.id', $setid);
    return [ map { { test_resultid => 0 + $_->{id}, builderid => 0 + $_->{builderid},
                     test_result_setid => 0 + $_->{test_result_setid},
                     test_name => str_or_null($_->{test_name}),
                     test_code_path => str_or_null($_->{test_code_path}),
                     line => int_or_null($_->{line}), duration_ns => int_or_null($_->{duration_ns}),
                     value => "$_->{value}" } } @$r ];
}

# --------------------------------------------------------------- build data
sub build_data_of {
    my $buildid = shift;
    return [ map { { buildid => 0 + $_->{buildid}, name => "$_->{name}",
                     length => 0 + $_->{length}, value => undef,
                     source => "$_->{source}" } }
             @{ rows('SELECT buildid, name, length, source FROM build_data
                      WHERE buildid = ? ORDER BY id', $buildid) } ];
}

1;
