"""A client generated from Vigil's /openapi.json by openapi-python-client, used as a client
developer would: who am I, open a case, list, read, take an action, read the timeline. Every
answer must parse into the generated model of its operation, never None or a Problem.

Run by tests/e2e/client.rs with the generated package `vigil_client` on PYTHONPATH, and
VIGIL_URL and VIGIL_TOKEN (a focal point of EUD_KE) in the environment.
"""

import os
import sys

from vigil_client import AuthenticatedClient
from vigil_client.api.cases import case_timeline, list_cases, open_case, read_case, take_action
from vigil_client.api.users import me
from vigil_client.api.workflows import list_workflows
from vigil_client.models import (
    ActionName,
    CasePage,
    CaseView,
    Country,
    EventView,
    FieldDef,
    FieldType,
    Me,
    NewConfidential,
    OpenCase,
    OpenProcedure,
    OpenProcedureData,
    Opened,
    Risk,
    Role,
    Theme,
    TimelinePage,
    Transition,
    TransitionData,
    Transitioned,
    WorkflowName,
    WorkflowSummary,
)


def typed(answer, model, what):
    """`answer` is a `model`, else the walk fails naming what came back."""
    if not isinstance(answer, model):
        sys.exit(f"{what}: expected {model.__name__}, got {answer!r}")
    return answer


def main():
    client = AuthenticatedClient(base_url=os.environ["VIGIL_URL"], token=os.environ["VIGIL_TOKEN"])
    with client:
        caller = typed(me.sync(client=client), Me, "me")
        assert caller.role == Role.FOCAL_POINT, caller.role

        workflows = list_workflows.sync(client=client)
        assert workflows and all(isinstance(w, WorkflowSummary) for w in workflows), workflows

        confidential = NewConfidential(defender_name="Client Walk")
        confidential["narrative"] = "opened by a generated client"
        body = OpenCase(
            country=Country.KE,
            themes=[Theme.MEDIA],
            risk=Risk.HIGH,
            confidential=confidential,
            procedure=OpenProcedure(workflow=WorkflowName.DEMARCHE, data=OpenProcedureData()),
        )
        opened = typed(open_case.sync(client=client, body=body, idempotency_key="walk-open-1"), Opened, "open_case")
        assert opened.reference.startswith("VG-"), opened.reference

        page = typed(list_cases.sync(client=client, limit=10), CasePage, "list_cases")
        assert [item.id for item in page.items] == [opened.id], page

        case = typed(read_case.sync(opened.id, client=client), CaseView, "read_case")
        assert case.confidential["defender_name"] == "Client Walk", "the defender's name did not come back"
        procedure = case.procedures[0]
        submit = next(action for action in procedure.actions if action.id == "submit")
        urgency = submit.fields["urgency"]
        assert isinstance(urgency, FieldDef) and urgency.type_ == FieldType.ENUM, urgency

        data = TransitionData.from_dict(
            {
                "demarche_type": "letter",
                "urgency": urgency.values[0],
                "addressee": "the ministry",
                "key_messages": "release the defender",
                "public_element_consent": False,
            }
        )
        done = typed(
            take_action.sync(
                procedure.id,
                client=client,
                body=Transition(action=ActionName(submit.id), expected_version=procedure.version, data=data),
                idempotency_key="walk-submit-1",
            ),
            Transitioned,
            "take_action",
        )
        assert done.from_ == "draft" and done.state != "draft", (done.from_, done.state)

        page = case_timeline.sync(opened.id, client=client)
        assert isinstance(page, TimelinePage), page
        events = page.items
        assert events and all(isinstance(e, EventView) for e in events), events
        assert [e.action for e in events][-1] == "submit", [e.action for e in events]
    print(f"walked: {opened.reference}, {len(events)} events")


if __name__ == "__main__":
    main()
