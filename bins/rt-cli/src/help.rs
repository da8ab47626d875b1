//! `rt help [topic]`: short help texts, on stderr as RT's client prints
//! them. A topic is found among the arguments (a plural's `s` dropped);
//! the introduction otherwise.

/// The topics: their names, and their text.
const TOPICS: &[(&[&str], &str)] = &[
    (
        &["intro", "introduction"],
        "rt talks to a Request Tracker server over REST 1.0, for people and for scripts.

    Usage:  rt <action> [options] [arguments]     (or: rt shell)

    Topics:  rt help usage | objects | actions | types | config | query
             rt help forms | examples | shell | <action> | <type>",
    ),
    (
        &["usage", "syntax"],
        "Usage:  rt <action> [options] [arguments]

    The action says what to do (ls, show, create, edit, comment, ...); its
    options and arguments follow it, usually the objects it acts on.
    \"rt shell\" reads such commands from a prompt, one per line.
    See \"rt help actions\" and \"rt help objects\".",
    ),
    (
        &["conf", "config", "configuration"],
        "Settings come from a file, then from the environment (which wins).

    The file is .rtrc (or the name in RTCONFIG; an absolute path is used as
    is) in the current directory or the nearest parent that has one, else
    ~/.rtrc ($HOME), /etc/request-tracker5/rt.conf or /etc/rt.conf. One
    directive a line, blank lines and # comments allowed:

        server <URL>        the RT server (default http://localhost/)
        user <name>         the RT user (default: $USER)
        passwd <password>   asked for when missing
        query <TicketSQL>   what rt ls lists by default
        orderby <field>     how rt ls sorts by default (id; -id reverses)
        queue <names>       rt ls looks only in these queues (a,b)
        auth rt|basic       RT's login form, or HTTP Basic (externalauth 1)

    Environment: RTSERVER, RTUSER, RTPASSWD, RTQUERY, RTORDERBY, RTQUEUE,
    RTAUTH, RTEXTERNALAUTH, RTCONFIG, and RTDEBUG=3 to trace each request.
    Sessions are kept in ~/.rt_sessions, per server and user.",
    ),
    (
        &["objects"],
        "An object is <type>/<id>[/<attribute>], e.g. ticket/7, user/root,
    queue/General, ticket/7/history, ticket/7/attachments/3/content.
    Ids may be lists and ranges: ticket/1-3,8. A bare number is a ticket.",
    ),
    (
        &["actions", "commands"],
        "Actions:
        ls          list objects matching a query         (list, search)
        show        show objects                           (cat)
        create      create an object                       (new)
        edit        change objects                         (ed)
        comment     comment on a ticket
        correspond  reply on a ticket
        merge       merge a ticket into another
        link        link tickets, or remove a link
        take        take a ticket (also untake, steal)
        resolve, delete, give, subject   shortcuts for rt edit
        logout, shell, version, help",
    ),
    (&["types"], "Types: ticket, user, queue, group. Say which with -t <type> where it is not implied."),
    (
        &["ticket"],
        "Tickets have numeric ids. Besides ls, show, create and edit they take
    comment, correspond, merge, link, take/untake/steal and the edit
    shortcuts (resolve, delete, give, subject).",
    ),
    (
        &["user", "group", "queue"],
        "Users, groups and queues are named by id or by name (user/root).
    They can be shown and listed; users and queues also created and edited.",
    ),
    (
        &["ls", "list", "search"],
        "rt ls [options] [query]

    Lists tickets matching a TicketSQL query (default: the configured one)
    as a table. A number lists that ticket; a bare word, the tickets it
    owns or requested.
        -i          ids only              -s   id and subject
        -l          whole forms           -f a,b,c   those fields
        -o <field>  order by it           -r   reverse the order
        -q <queue>  only in these queues  -t <type>   list users, queues...
        -S var=val  send an extra field   --json      the forms as JSON",
    ),
    (
        &["show", "cat"],
        "rt show [options] <object>...

    Shows objects. A ticket given by number is shown with its history.
        -f a,b,c    only those fields     -i, -s, -l   RT's formats
        -t <type>   the type of bare ids  -            objects from stdin
        --json      the forms as JSON",
    ),
    (
        &["create", "new", "edit", "ed"],
        "rt create -t <type> [set key=value ...]
    rt edit <object>... [set key=value ...] [add key=value ...] [del key=value ...]

    Without changes on the command line the form opens in $EDITOR.
    set key+=value adds and key-=value removes a value; CF.{Name}=value
    sets a custom field; set attachment=file attaches files.
        -e          edit the form even with changes given
        -i          read the forms from stdin     -o   print them, send nothing
        -ct <type>  the content type of the text (tickets)",
    ),
    (
        &["resolve", "res", "delete", "del", "give", "subject"],
        "rt resolve <id>, rt delete <id>, rt give <id> <user>, rt subject <id> <text>
    are rt edit <id> set status=resolved | status=deleted | owner=<user> |
    subject=\"<text>\".",
    ),
    (
        &["comment", "correspond"],
        "rt comment|correspond [options] <id>

        -m <text>   the message (- reads stdin; without it, $EDITOR opens)
        -a <file>   attach a file (repeatable)
        -c, -b <addresses>   Cc, Bcc       -w <minutes>   time worked
        -s <status> set the status too     -ct <type>     content type
        -e          edit the form anyway",
    ),
    (&["merge"], "rt merge <id> <into-id>: merges the first ticket into the second."),
    (
        &["link"],
        "rt link [-d] <id> <relation> <id>

    Relations: DependsOn, DependedOnBy, RefersTo, ReferredToBy, HasMember,
    MemberOf. -d removes the link.",
    ),
    (
        &["take", "untake", "steal"],
        "rt take <id> makes you the owner of an unowned ticket; rt steal takes it
    from its owner; rt untake gives it back to Nobody.",
    ),
    (&["logout"], "rt logout ends the session kept in ~/.rt_sessions."),
    (&["shell"], "rt shell reads commands from a 'rt> ' prompt until end of input or quit."),
    (
        &["query"],
        "Queries are TicketSQL: Status='open' AND Queue='General', Owner='root',
    Subject LIKE 'printer', CF.{Severity}='high'. rt ls quotes plain values.",
    ),
    (
        &["form", "forms"],
        "Forms are 'Key: value' lines after optional # comments; a value goes on
    over indented lines; forms are separated by a line '--'.",
    ),
    (
        &["example", "examples"],
        "rt ls \"Status='new'\"
    rt show ticket/7 -f subject,status
    rt create -t ticket set subject='Printer on fire' queue=General
    rt edit ticket/7 set priority=5 add cc=boss@example.com
    rt correspond -m 'On its way.' -s open 7
    rt ls --json -f subject,status \"Owner='me'\"",
    ),
    (
        &["topics"],
        "Topics: intro usage config objects actions types ticket user queue ls show create edit comment merge link take resolve logout shell query forms examples",
    ),
];

/// Runs `rt help`: the topic named among `args`.
pub fn help(args: &[String]) -> u8 {
    let find = |name: &str| TOPICS.iter().any(|(names, _)| names.contains(&name)).then(|| name.to_string());
    let topic = args
        .iter()
        .find_map(|a| find(a))
        .or_else(|| args.iter().find_map(|a| a.strip_suffix('s').and_then(find)))
        .unwrap_or_else(|| "introduction".into());
    show_topic(&topic, 0)
}

/// Prints a topic (the introduction when unknown) on stderr; returns `status`.
pub fn show_topic(name: &str, status: u8) -> u8 {
    eprintln!("{}\n", text(name));
    status
}

/// A topic's text; the introduction's when there is no such topic.
pub fn text(name: &str) -> &'static str {
    let find = |n: &str| TOPICS.iter().find(|(names, _)| names.contains(&n)).map(|(_, text)| *text);
    find(name).or_else(|| find("introduction")).unwrap_or_default()
}
