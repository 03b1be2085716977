# The web interface in English. Every key is in fr/ui.ftl and es/ui.ftl too (a unit test of
# http::ui::i18n fails otherwise).

## The frame of every page
skip-to-content = Skip to the content
nav-label = Main
nav-needs-me = Needs me
nav-review-queue = Review queue
nav-administration = Administration
nav-cases = Cases
nav-my-cases = My cases
nav-reports = Reports
nav-open-case = Open a case
nav-approvals = Approvals
nav-admin-log = Administrative log
nav-holidays = Holidays
nav-workflows = Workflows
nav-settings = My settings
nav-count-needs = { $n ->
    [one] one item needs you
   *[other] { $n } items need you
}
nav-count-decisions = { $n ->
    [one] one request to decide
   *[other] { $n } requests to decide
}
sign-out = Sign out
role-focal-point = focal point
role-head-of-delegation = head of delegation
role-eusr = EUSR office
role-admin = administrator
role-hq = headquarters analyst
role-system = system

## Signing in
sign-in-title = Sign in
sign-in-kept = Your session ended before your form was sent. What you typed is kept, sealed, for 12 hours: sign in again to return to it and send it.
sign-in-token = API token
sign-in-token-hint = The token your administrator gave you (vigil users add prints it once). You stay signed in on this browser for up to 12 hours, and 30 minutes without activity end the session.
sign-in-button = Sign in
sign-in-link-heading = Or get a sign-in link by email
sign-in-email = Your email address
sign-in-link-hint = The link works once, for 15 minutes.
sign-in-link-button = Email me a link
sign-in-refused = That token is not valid, has expired or was revoked.
sign-in-too-many = Too many failed attempts from here. Try again in { $n ->
    [one] one minute
   *[other] { $n } minutes
}.
sign-in-links-off = Sign-in links are not available here; sign in with your API token.
sign-in-links-too-many = Too many sign-in links were asked for. Try again in { $n ->
    [one] one minute
   *[other] { $n } minutes
}.
sign-in-link-spent = That sign-in link has expired or was used already. Ask for another below.

## Needs me
needs-title = Needs me
needs-hint = What waits for you, what is overdue, and what falls due in the next { $n } days in your cases and your delegation's. Made from the workflows and the reminders; no case is opened for it.
needs-waiting = Waiting for you
needs-waiting-none = Nothing waits for your action.
needs-taken = Taken by you
needs-taken-none = You have taken no item of the review queue.
needs-overdue = Overdue
needs-overdue-none = Nothing is overdue.
needs-soon = Due soon
needs-soon-none = Nothing falls due in the next days.
needs-awaits = Awaits your action
# Shared by Needs me and the case list.
since = since { $when }
col-case = Case
col-procedure = Procedure
col-step = Step
col-what = What
col-when = When

## Risks and themes
risk-low = Low
risk-medium = Medium
risk-high = High
risk-critical = Critical
theme-WHRD = Women human rights defenders
theme-ENV_LAND = Environment and land
theme-INDIGENOUS = Indigenous peoples
theme-MEDIA = Journalists and media
theme-LGBTI = LGBTI persons
theme-LABOUR = Labour and trade unions
theme-LAWYERS = Lawyers and judges
theme-CHILD = Child rights
theme-MINORITY_FORB = Minorities, freedom of religion or belief
theme-DISABILITY = Persons with disabilities
theme-ESCR = Economic, social and cultural rights
theme-ANTI_CORRUPTION = Anti-corruption
theme-DEMOCRACY = Democracy and elections
theme-DIGITAL = Digital rights
theme-TORTURE_DP = Torture and deprivation of liberty
theme-MIGRANTS = Migrants and refugees
theme-OTHER = Other

## The case list
list-search-label = Find a case by its reference or the defender's name
list-search-button = Find
list-search-hint = A name is found however it is spelt in case, accents or word order; each case found is recorded in its access log.
list-found = { $n ->
    [0] No case found.
    [one] One case found.
   *[other] { $n } cases found.
}
list-back = Back to the list
list-filters = Filters
list-whose = Whose
list-whose-mine = Mine
list-whose-all = My delegation's
list-procedure = Procedure
list-step = Step
list-risk = Risk
list-theme = Theme
list-country = Country
list-order = Order
list-newest = Newest first
list-next-due = Next due first
list-overdue-only = Overdue only
list-filter = Filter
list-any = Any
list-none = No case matches.
list-caption-newest = Cases, newest first
list-caption-due = Cases, next due first
list-defender = Defender
list-themes = Themes
list-open-procedures = Open procedures
list-next-due-col = Next due
list-opened = Opened
list-overdue = Overdue
list-names-hint = Each case listed with its defender's name is recorded in its access log.
list-next-page = Next page

## A case
case-title = Case { $reference }
case-risk-low = low risk
case-risk-medium = medium risk
case-risk-high = high risk
case-risk-critical = critical risk
case-go-to-form = Go to the form
case-duplicates = Possible duplicates in your delegation (same defender's name):
case-country = Country
case-themes = Themes
case-owner = Owner
case-owner-you = you
case-owner-colleague = a colleague
case-opened = Opened
case-updated = Last change
case-who = Who and what
case-sealed-hint = Sealed with age; this reading is recorded in the case's access log.
case-edit = Edit the case
case-closed-reviews = The case's confidential data is not shown to you: its reviews are closed.
case-in-queue = In the { $queue } queue
case-procedure-closed = This procedure is closed.
case-no-action = No action is yours to take at this step.
case-actions = What you can do now
case-usual = usual next step
case-starts = starts { $workflow }
case-required = required
case-plain = plain
case-choose = Choose…
case-graph = { $workflow }: the current step is marked.
case-files = Evidence files
case-no-files = No files attached.
case-files-caption = Each file's SHA-256 was recorded when it arrived; a download is checked against it.
case-file = File
case-size = Size
case-type = Type
case-belongs = Belongs to
case-added = Added
case-the-case = The case
case-by = by { $who }
case-file-hint = At most { $size }. Sealed with age as it arrives; its SHA-256 is recorded.
case-attach = Attach the file
case-start-heading = Start another procedure
case-start = Start
case-coming-up = Coming up
case-nothing-scheduled = Nothing scheduled.
case-overdue = overdue
case-timer = Timer
case-reminder = Reminder
case-due-what = { $kind }: { $what }
case-timeline = Timeline
case-vigil = Vigil
case-done = Done: { $action }.
case-attached = Attached { $file } (SHA-256 { $sha256 }).
case-not-attached = The file was not attached: { $why }.
case-file-too-large = the file is larger than the { $limit } bytes allowed
case-files-quota = the case's files may take { $quota } bytes together, and this one would pass that
case-uploads-busy = too many files are arriving at once; try again shortly
case-look-again = Some fields need another look.
case-changed-meanwhile = Someone changed this procedure since you opened the page. It is shown as it is now; what you typed is kept.
case-refused = Refused: { $why }.
refusal-closed = the procedure is closed ({ $state })
refusal-unknown-action = this workflow has no such action
refusal-not-from-state = “{ $action }” cannot be taken in the step “{ $state }”
refusal-role = “{ $action }” is for { $roles }
refusal-unknown-workflow = “{ $action }” starts a procedure Vigil does not know
case-kept = Your session ended before this was sent. What you typed is kept below: check it, and send it again.
case-unplaced = This step has moved on meanwhile, so its form is no longer here. What you typed:

## What a case holds about the person
conf-defender_name = Defender's name
conf-organisation = Organisation
conf-location = Where they are
conf-contact = How to reach them safely
conf-narrative = What happened

## The EUSR review queue
queue-title = EUSR review queue
queue-hint = Escalated procedures, most urgent first, then the longest waiting: first what waits for the office, then what waits on a delegation (information asked of it). Opening a case is recorded in its access log.
queue-delegation = Delegation
queue-any-risk = (any)
queue-any-delegation = (any)
queue-show = Show
queue-ours = Waiting for the EUSR office
queue-ours-none = Nothing waits for the office.
queue-theirs = Waiting on the delegation
queue-theirs-none = Nothing waits on a delegation.
queue-waiting = Waiting
queue-taken-by = Taken by
queue-take = Take it
queue-give-back = Give back
queue-claim = { $who }, since { $when }
queue-hours = { $n } h, since { $when }
queue-days = { $n } days, since { $when }

## Shared words
yes = Yes
no = No

## Opening and editing a case
form-open-title = Open a case
form-edit-title = Edit case { $reference }
form-about = About the case
form-about-hint = (plain metadata, used for lists and statistics)
form-country-hint = Two letters (ISO 3166-1), such as KE.
form-first-procedure = First procedure
form-who = Who and what
form-who-hint = (sealed with age: only those allowed to read the case see it, and each reading is recorded)
form-save = Save the changes
form-open = Open the case
form-cancel = Cancel
form-stale = Someone changed this case since you opened the form. Your entries are kept; saving again replaces their changes with yours, so compare with the case first.

## One-time links
link-hint = Sign in with the link from your email. It works once.
link-sent-title = Check your email
link-sent = If that address belongs to a Vigil user, a sign-in link is on its way. It works once, for { $n } minutes.
link-back = Back to signing in
token-title = Your API token
token-hint = An administrator asked for an API token for you. Press the button to see it: it is shown once, and the link then stops working.
token-show = Show my token
token-shown = Your token, valid until { $until }. It is shown now and never again, to you alone: keep it where only you can read it. Sign in with it, or send it as
token-shown-end = to the API.

## Approvals
approvals-title = Approvals
approvals-hint = Some changes take two people: whoever asked for one can never decide it, nor can the person it is about. A head of delegation decides the grants of their delegation's focal points; another administrator decides everything else, and the focal points of a delegation with no head yet.
approvals-grants = Grants
approvals-no-grant = No grant waits for a decision.
approvals-who = Who
approvals-what = What
approvals-role = Role
approvals-asked-by = Asked by
approvals-when = When
approvals-decision = Decision
approvals-approve = Approve
approvals-refuse = Refuse
approvals-approve-label = Approve { $what } for { $who }
approvals-refuse-label = Refuse { $what } for { $who }
approvals-waiting-for = waiting for { $who }
approvals-erasures = Erasures
approvals-no-erasure = No erasure waits for approval.
approvals-reason = Reason
approvals-action = Action
approvals-waiting-admin = waiting for another administrator
approvals-erase = Approve and erase
approvals-erase-label = Approve the erasure of { $reference }
approvals-done-approved = The grant is approved and in effect. Those concerned were emailed.
approvals-done-invited = The grant is approved. The new user was emailed a one-time link to their token, which nobody else sees.
approvals-done-refused = The grant is refused; nothing changed.
approvals-done-erased = The case is erased: only its tombstone remains.
approvals-approved-but = The grant is approved, but { $why }.

## Holidays
holidays-title = Holidays
holidays-of = Holidays of { $delegation }
holidays-hint = Public holidays are days off, as the weekend is: working-day deadlines and reminders skip them, and a reminder due on one waits for the next working morning. A change counts for what is scheduled from then on; what is already scheduled keeps its time.
holidays-none = No holiday is set.
holidays-caption = Holidays, by date
holidays-date = Date
holidays-holiday = Holiday
holidays-remove = Remove
holidays-remove-label = Remove { $name }, { $date }
holidays-add-heading = Add a holiday
holidays-name = Name
holidays-add = Add
holidays-import-heading = Import a calendar
holidays-file = iCalendar file (.ics)
holidays-file-hint = Each event's days, from a year back to five years ahead; yearly events repeat. A date already a holiday takes the file's name. At most 1 MiB.
holidays-import = Import
holidays-saved = Saved: { $added } added, { $renamed } renamed, { $removed } removed.
holidays-moved = { $moved ->
    [one] One reminder or timer already scheduled now falls due at another time.
   *[other] { $moved } reminders and timers already scheduled now fall due at another time.
}
holidays-no-delegation = There is no such delegation.

## Settings
settings-title = My settings
settings-hint = How Vigil speaks and writes to you. Each change is recorded in the administrative log.
settings-language = Language
settings-language-browser = My browser's language (now { $now })
settings-language-hint = Of the pages and of your emails. While you follow your browser, emails are in English: an email cannot ask your browser.
settings-time-zone = Time zone
settings-time-zone-delegation = My delegation's ({ $zone })
settings-time-zone-utc = None: times in UTC
settings-time-zone-hint = Times on the pages and in your emails, and the hours of reminders to you alone.
settings-digest = My reminders as one email a day
settings-digest-hint = Otherwise each reminder comes as it falls due.
settings-save = Save my settings
settings-saved = Your settings are saved.
settings-invalid = Choose a language and a time zone from the lists.

## The workflows reference page
workflows-title = Workflows
workflows-one = Workflow
workflows-version = version { $version }
workflows-graph-label = State machine of { $workflow }
workflows-graph-caption = { $workflow }: hover an arrow for its actions.
graph-arrow = { $action } ({ $roles })
graph-arrow-branch = { $action }, { $field }: { $choice } ({ $roles })
graph-arrow-timer = { $action }, after { $after } (by Vigil itself)
workflows-steps = Steps
workflows-actions = Actions
workflows-action = Action
workflows-from = From
workflows-to = To
workflows-who = Who
workflows-fields = Fields
workflows-first = first
workflows-final = final
workflows-queued = in the EUSR review queue
workflows-reminder = Reminder: { $what }, to { $to }, { $when }
workflows-timer = Timer: after { $by }, { $action }
workflows-repeating = repeating ({ $cron })
workflows-after-field = { $by } after { $field }
workflows-before-field = { $by } before { $field }
workflows-after-entering = { $by } after entering
workflows-any-open-state = any open step
workflows-branch = by { $field }: { $cases }
workflows-starts = stays; starts { $workflow }
workflows-stays = stays
workflows-optional = optional
workflows-sealed = sealed
workflows-plain = plain
workflows-type-text = text
workflows-type-date = date
workflows-type-datetime = date and time
workflows-type-bool = yes or no
workflows-type-enum = one choice
workflows-type-integer = whole number
workflows-type-list = several choices
workflows-type-user = a person
recipient-owner = the case owner
recipient-focal_point = the delegation's focal points
recipient-head_of_delegation = the head of delegation
recipient-eusr_reviewers = the EUSR office
duration-hours = { $n ->
    [one] { $n } hour
   *[other] { $n } hours
}
duration-days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}
duration-weeks = { $n ->
    [one] { $n } week
   *[other] { $n } weeks
}
duration-working-days = { $n ->
    [one] { $n } working day
   *[other] { $n } working days
}

## What the cases layer finds wrong with a field (after the field's name)
issue-country = must be a country code of two letters, such as KE
issue-no-theme = must name at least one theme
issue-not-themes = holds a code that is not a theme
issue-not-theme = is not a theme
issue-risk = must be low, medium, high or critical
issue-required-text = is required
issue-empty-text = must not be empty
issue-not-removable = cannot be removed
issue-owner = must be an active focal point or head of the case's delegation
issue-unknown-workflow = is not a procedure Vigil knows
issue-no-such-reference = names no case (references look like VG-2026-00042)
issue-not-case-procedure = is not a procedure of this case
issue-not-procedure-id = must be a procedure's id
issue-nul = must not contain a NUL character
issue-required = must be given
issue-missing = is missing
issue-too-long = must be at most { $max } characters
issue-length = must be 1 to { $max } characters
issue-one-line = must be 1 to { $max } characters, on one line
issue-page-size = must be from 1 to { $max }
issue-sequence-number = must be a sequence number, 0 or more
issue-sort = must be newest or due
issue-cursor = is not a page of this list
issue-not-in-vocabulary = must be one of { $values }
issue-grant-role = must be a focal point, a head of delegation, an EUSR reviewer or an administrator
issue-delegation-needed = must be named for this role
issue-no-delegation = must be left out for this role
issue-no-such-delegation = names no delegation
issue-not-email = is not an email address
issue-email-taken = belongs to a user already
issue-same-role = is the user's role already, in the same delegation
issue-not-disabled = names a user who is not disabled
issue-time-zone = must be a time zone such as Europe/Brussels
issue-language = must be a language code such as en or fr
issue-recipient = must be one age recipient (age1…)
issue-not-file-name = must be a file name, without a path
issue-control-characters = must not hold control characters
issue-empty-file = must not be empty: an attachment is a file with bytes
issue-no-file-name = must be given
issue-not-text = is not text
issue-not-calendar = is not an iCalendar (.ics) file
issue-no-start = has an event without a start date (DTSTART)
issue-bad-rule = has a recurring event whose rule (RRULE) cannot be read
issue-event-too-long = has an event longer than { $max } days, which is no public holiday
issue-too-many-holidays = holds more than { $max } holidays
issue-day = must be a date, as 2026-12-25
issue-year = must be a year, such as 2026
issue-month = must be a month, such as 2026-12
issue-dimension-twice = names a dimension twice
issue-procedures-only = by procedure, step or outcome is for the procedures report
issue-too-many-dimensions = takes at most two dimensions
issue-parameters = takes only { $names }
issue-unknown-value = is not one this report knows
issue-filter-and-grouping = cannot be both a filter and a grouping
issue-procedures-filter = filters the procedures report only
issue-before-from = is before the start
issue-period-too-long = makes a period longer than { $max } months
issue-format = must be CSV, or left out
issue-field-file = The file
issue-field-day = The date
issue-field-name = The name
issue-field-email = Email
issue-field-role = Role
issue-field-delegation = Delegation
issue-field-user_id = The user
issue-field-reason = The reason
issue-field-reference = The reference
issue-field-from = From
issue-field-to = To
issue-field-by = By
issue-field-year = The year
issue-field-query = The report
issue-field-format = The format
issue-field-workflow = Procedure
issue-field-country = Country
issue-field-region = Region
issue-field-theme = Theme
issue-field-risk = Risk
issue-field-time_zone = Time zone
issue-field-language = Language
issue-field-filename = The file's name

## Why someone may not do what they asked
denied-opens-cases = Only focal points and heads of delegation open cases.
denied-own-delegation-only = Cases can be opened only in your own delegation.
denied-no-delegation = You belong to no delegation.
denied-starts-procedures = Only the case's delegation starts procedures on it.
denied-edits-case = Only the case's delegation edits it.
denied-attaches-files = Only the case's delegation attaches files to it.
denied-sees-no-cases = Your role sees no cases.
denied-lists-names = Defenders' names are listed to the delegation's own staff only.
denied-review-queue = The EUSR review queue is for the EUSR office.
denied-takes-queue-items = Only the EUSR office takes items of its queue.
denied-not-in-queue = This procedure is not waiting in the EUSR review queue.
denied-taken-by-colleague = A colleague of the office has taken this item.
denied-admin-page = This page is for administrators.
denied-approvals-page = This page is for administrators and heads of delegation.
denied-admin-log = The administrative log is for administrators and heads of delegation.
denied-asks-grants = Only administrators ask for grants.
denied-sees-grants = Waiting grants are for administrators and heads of delegation.
denied-grant-waiting = A request for this person is already waiting for a decision.
denied-decided-already = This request was decided already.
denied-own-request = You asked for this yourself: another person must decide it.
denied-about-you = This is about you: another person must decide it.
denied-for-the-head = This is for the head of delegation { $delegation } to decide.
denied-for-an-admin = This is for another administrator to decide.
denied-erasure = Only administrators request and approve erasure.
denied-erasure-waiting = An erasure of this case is already waiting for approval.
denied-reminder-queues = The reminder queues are for administrators.
denied-reads-holidays = A delegation's holidays are for its staff and the administrators.
denied-sets-holidays = A delegation's holidays are set by the administrators.
denied-link-spent = That link has expired or was used already; ask your administrator for another.
denied-metrics = The metrics are for the metrics token, the configured addresses and administrators.
denied-reports = Reports are for heads of delegation, the EUSR office and headquarters.
denied-head-without-delegation = A head of delegation belongs to a delegation.
denied-own-figures = A head of delegation sees their own delegation's figures.
error-detail-not-found = There is nothing here, or nothing you may see.
error-detail-gone = This case was erased.
error-detail-conflict = Someone changed this meanwhile; read it again.
error-detail-too-many-attempts = Too many failed attempts to sign in; try again later.
error-detail-csrf = This form has expired or did not come from Vigil; reload the page and try again.

## Reports
reports-title = Reports
reports-hint = Counts of cases from their plain metadata; no case is opened. A figure of fewer than { $n } cases is suppressed, and so is any figure that would let it be worked out from the totals or from a report with one filter less. Every report you run is recorded.
reports-annual-link = The annual-report table for this year
reports-annual-link-hint = (the year's figures for every delegation in your scope, by procedure and outcome).
reports-report = Report
reports-from = From (month)
reports-to = To (month)
reports-group-by = Group by
reports-then-by = then by
reports-country-code = Country (code)
reports-cannot-run = This report cannot be run:
reports-chart-title = Cases by { $by }; the table below gives the same figures
reports-chart-caption = Cases by { $by }.
reports-cases = Cases
reports-by = by { $by }
reports-csv = Download as CSV
reports-suppressed = suppressed
reports-none = (none)
reports-total = Total
reports-open = open
report-cases = Cases
report-procedures = Procedures
dimension-delegation = Delegation
dimension-country = Country
dimension-region = Region
dimension-theme = Theme
dimension-risk = Risk
dimension-workflow = Procedure
dimension-state = Step
dimension-outcome = Outcome
dimension-month = Month
dimension-year = Year
annual-title = Annual report table
annual-title-year = Annual report table, { $year }
annual-hint = Cases with a procedure started in the year, for the EU annual report on human rights and democracy, counted from their plain metadata; no case is opened. A figure of fewer than { $n } cases is suppressed, and so is any figure that would let it be worked out from the totals. Every table you run is recorded.
annual-years = Years
annual-year = Year:
annual-other-reports = Other reports
annual-cannot-make = This table cannot be made:
annual-by-delegation = Cases by delegation and procedure, { $year }.
annual-outcomes = Outcomes by procedure, { $year } (open: not closed yet)
annual-all-procedures = All procedures
annual-all-delegations = All delegations

## Administration
admin-title = Administration
admin-sent = A one-time link to a new token was emailed to { $to }. It works once, for 15 minutes; the token is shown only to whoever opens it. Nobody else, you included, ever sees it.
admin-none-waiting = No request waits for a decision.
admin-waiting = { $n ->
    [one] One request waits
   *[other] { $n } requests wait
} for a decision
admin-two-people = Adding a user, changing a role or delegation and enabling a user again take two people: you ask here; the head of the delegation (for its focal points) or another administrator approves on the
admin-approvals-page = approvals page
admin-users = Users
admin-email = Email
admin-name = Name
admin-status = Status
admin-actions = Actions
admin-disabled = disabled
admin-active = active
admin-issue-token = Issue a token
admin-issue-token-label = Issue a token for { $who }
admin-disable = Disable
admin-disable-label = Disable { $who }
admin-enable = Ask to enable again
admin-enable-label = Ask to enable { $who } again
admin-other-role = Ask for another role
admin-other-role-for = for { $who }
admin-delegation-code = Delegation code
admin-ask-change = Ask for the change
admin-new-user = Ask for a new user
admin-delegation-hint = For focal points and heads of delegation, e.g. EUD_KE.
admin-ask-user = Ask for the user
admin-revoke-heading = Revoke a token
admin-revoke-label = Token, or the 8 hex digits after
admin-revoke = Revoke
admin-dead = Reminders and timers that gave up
admin-none = None.
admin-due = Due
admin-attempts = Attempts
admin-retry = Try again
admin-erasure = Erasure
admin-erasure-hint = Erasing a case takes two administrators: one asks, another approves on the
admin-erasure-hint-end = The case's key is then destroyed; only a tombstone with its reference remains.
admin-ask-erasure = Ask for an erasure
admin-case-reference = Case reference
admin-ask-erasure-button = Ask for the erasure
admin-done-disabled = The user is disabled; their tokens and sessions stopped working.
admin-done-revoked = The token is revoked; sessions opened with it have ended.
admin-done-retried = The item will be tried again at the next pass.
admin-done-requested = The erasure is requested. Another administrator must approve it.
admin-done-asked_head = The grant is requested. Nothing changes until the head of the delegation approves it; they were emailed.
admin-done-asked_admin = The grant is requested. Nothing changes until another administrator approves it.
admin-no-user = There is no such user.
admin-not-dead = That item is not dead (any more).
admin-erased-already = That case is erased already.
log-title = Administrative log
log-hint = Every administrative act, newest first, naming who did it. The log is hash-chained and append-only; signed checkpoints commit to it.
log-who = Who
log-about = About
log-details = Details
log-older = Older entries
log-operator = the operator (command line)
kind-reminder = Reminder
kind-timer = Timer
act-user_added = User added
act-user_disabled = User disabled
act-token_link_sent = Token link sent
act-token_issued = Token issued
act-token_revoked = Token revoked
act-erasure_requested = Erasure requested
act-erasure_approved = Erasure approved
act-keys_rotated = Keys rotated
act-index_rebuilt = Index rebuilt
act-grant_requested = Grant requested
act-grant_approved = Grant approved
act-grant_refused = Grant refused
act-user_changed = User changed
act-user_enabled = User enabled
act-delegation_added = Delegation added
act-preferences_changed = Preferences changed
act-reminder_retried = Reminder retried
act-holidays_changed = Holidays changed

## Error pages
error-status = HTTP status { $n }.
error-back = Back to Vigil
error-internal = Something went wrong on the server. The request id in X-Request-Id identifies it for your administrator.
error-400 = Bad Request
error-403 = Forbidden
error-404 = Not Found
error-409 = Conflict
error-413 = Payload Too Large
error-422 = Unprocessable Entity
error-429 = Too Many Requests
error-500 = Internal Server Error
error-503 = Service Unavailable

## The picture of a procedure
case-graph-label = State machine of { $workflow }; current state: { $state }

## Problems with a form's fields
problem-missing = is required
problem-unknown = holds a field this action does not take
problem-yes-no = must be yes or no
problem-whole-number = must be a whole number
problem-date-time = must be a date and time
problem-empty = must not be empty
problem-nul = must not contain a NUL character
problem-too-long = must be at most { $max } characters
problem-one-line = must be one line
problem-range = must be from { $min } to { $max }
problem-choice = must be one of the choices offered
problem-choices = must be choices offered, each once
problem-date = must be a date
problem-user = must be one of the people offered
problem-text = must be text
