# English texts of Vigil's emails, in Fluent (https://projectfluent.org): the words around
# every reminder (email-…), the sentence each reminder's message key stands for (reminder-…,
# the key with its dots written as dashes: trial.hearing_tomorrow is reminder-trial-hearing_tomorrow),
# and the sign-in, token and four-eyes emails. Other languages are files beside this one, named
# by their code (fr.ftl …); a text they lack falls back to English. `vigil workflows check` makes
# sure every message key a workflow uses has an English text here.
# No text may hold a placeholder for a person's name or a case's content: emails name cases
# by reference only.

## The words around every reminder.

email-case = Case
email-procedure = Procedure
email-step = Step
email-due = Due
email-open_case = Open the case
email-footer = This reminder names no one on purpose; the case holds the details.
email-digest_subject = Your reminders
email-digest_intro = These reminders fell due since your last digest.

## What each reminder says.

reminder-handoff = Handed to you: this step of the procedure awaits your action
reminder-demarche-chase_reply = Chase the reply to the démarche
reminder-demarche-clearance_due = Clearance of the démarche is due
reminder-demarche-decision_due = Decision due
reminder-demarche-delivery_due = Deliver the démarche
reminder-demarche-no_reply_30_days = No reply to the démarche after 30 days
reminder-demarche-record_expected_reply = Record when a reply is expected
reminder-dialogue-chase_response = Chase the response raised in the dialogue
reminder-dialogue-endorsement_due = Endorsement of the dialogue proposal is due
reminder-dialogue-hq_decision_overdue = Headquarters' decision on the dialogue proposal is overdue
reminder-dialogue-hq_decision_pending = Headquarters' decision on the dialogue proposal is pending
reminder-dialogue-record_raised_and_debrief = Record that the case was raised, and debrief
reminder-dialogue-submit_proposal = Submit the dialogue proposal
reminder-eusr_review-acknowledge = Acknowledge the escalated case
reminder-eusr_review-information_due = Requested information is due
reminder-eusr_review-review_date = The review date has come
reminder-eusr_review-weekly_open = The review is still open
reminder-protection-chase_acknowledgement = Chase the acknowledgement of the referral
reminder-protection-chase_decision = Chase the decision on the referral
reminder-protection-check_in_1_month = Check in: one month of protection
reminder-protection-check_in_3_months = Check in: three months of protection
reminder-protection-check_in_6_months = Check in: six months of protection
reminder-protection-decision_due = Decision on the referral is due
reminder-protection-endorsement_due = Endorsement of the referral is due
reminder-protection-no_acknowledgement = The referral has not been acknowledged
reminder-protection-return_or_extension_plan = Plan the return or an extension
reminder-protection-send_referral = Send the referral
reminder-protection-visa_expiring = A visa is about to expire
reminder-trial-appeal_deadline = The appeal deadline is near
reminder-trial-approval_due = Approval of the trial observation is due
reminder-trial-confirm_access = Confirm access to the hearing
reminder-trial-confirm_logistics = Confirm the observation logistics
reminder-trial-decide_follow_up = Decide the follow-up to the verdict
reminder-trial-hearing_in_7_days = Hearing in 7 days
reminder-trial-hearing_in_7_days_unapproved = Hearing in 7 days, observation not yet approved
reminder-trial-hearing_tomorrow = Hearing tomorrow
reminder-trial-notify_authorities = Notify the authorities of the observation
reminder-trial-record_attendance = Record the attendance at the hearing
reminder-trial-report_due = The observation report is due
reminder-trial-report_overdue = The observation report is overdue
reminder-trial-report_overdue_escalated = The observation report is overdue and escalated

## The sign-in link.

sign-in-link = Someone (you, we hope) asked to sign in to Vigil with this address.
    .subject = [Vigil] Your sign-in link
    .action = Sign in to Vigil
    .lifetime = The link works once, for { $minutes } minutes. If you did not ask for it, ignore this email.

## A link to a new API token.

checkpoint = Vigil signed audit checkpoint { $seq }. Keep this line; `vigil audit verify` and `vigil audit check-proof` check Vigil's records against it.
    .subject = [Vigil] Audit checkpoint { $seq }

token-link = An administrator of Vigil asked for an API token for you.
    .subject = [Vigil] Your API token
    .action = Get your token
    .lifetime = The link works once, for { $minutes } minutes; the token is shown on the page it opens, once. If you did not expect it, tell your administrator.

## The four-eyes rule: a request waiting for a second person, and its decision.

four-eyes-waiting = Requests waiting for a decision
grant-requested = { $requester } asked for { $kind }: { $grant }. It waits for approval by { $approver }; nothing changes until then.
    .subject = [Vigil] Grant requested: { $grant }
grant-approved = { $decider } approved { $kind }: { $grant }. It is in effect now.
    .subject = [Vigil] Grant approved: { $grant }
grant-refused = { $decider } refused { $kind }: { $grant }. Nothing changed.
    .subject = [Vigil] Grant refused: { $grant }
grant-of-delegation = { $email } as { $role } of { $delegation }
grant-of-nowhere = { $email } as { $role }
grant-kind-new_user = a new user
grant-kind-change = a change of role
grant-kind-re_enable = re-enabling
approver-head = the head of delegation { $delegation }
approver-admin = another administrator
role-focal_point = focal point
role-head_of_delegation = head of delegation
role-eusr_reviewer = EUSR reviewer
role-hq_analyst = headquarters analyst
role-admin = administrator
role-system = Vigil (its timers)
erasure-requested = { $requester } asked for case { $reference } of { $delegation } to be erased ({ $reason }). It waits for approval by another administrator.
    .subject = [Vigil] Erasure requested: { $reference }
erasure-done = { $approver } approved the erasure of case { $reference } of { $delegation }: its key is destroyed, and only its tombstone remains.
    .subject = [Vigil] Case erased: { $reference }
erasure-reason-defender_request = at the defender's request
erasure-reason-retention_expired = its retention period is over
erasure-reason-data_protection_order = by a data-protection order
erasure-reason-opened_in_error = opened in error
