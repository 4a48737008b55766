"""The respondent's HTML form: accessible markup, the threshold named, errors beside answers."""

import re

import sqlalchemy as sa

from tests.survey.conftest import PULSE_ANSWERS


def _token(client, **survey_fields):
    survey = client.survey(**survey_fields)
    wave = client.wave(survey["id"])
    return survey, client.invite(wave["id"], [{"department": "Support"}])[0]


def test_form_is_accessible_and_names_the_threshold(client):
    survey, token = _token(client, anonymity_threshold=7, comment_threshold=12)
    response = client.get(f"/s/{token}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page and 'name="viewport"' in page
    assert "<script" not in page
    assert "at least 7 people" in page and "at least 12 people" in page
    for question in survey["questions"]:
        key = question["key"]
        if question["type"] == "text":
            assert f'<label class="question" for="in-{key}">' in page
            assert f'<textarea id="in-{key}" name="{key}" maxlength="2000"' in page
        else:
            assert f'<fieldset id="q-{key}"' in page
            radios = re.findall(rf'<label for="(in-{key}-\d+)"><input type="radio" id="\1"', page)
            assert len(radios) == (11 if question["type"] == "scale11" else 5)
    assert page.count("<legend>") == len(survey["questions"]) - 1
    assert '<button type="submit" class="submit">' in page


def test_errors_are_shown_beside_each_question_and_answers_kept(client, engine):
    _, token = _token(client)
    form = {k: str(v) for k, v in PULSE_ANSWERS.items()}
    del form["worn_out"]
    form["recommend_workplace"] = "12"
    form["comment"] = "Keep this <text>"
    response = client.post(f"/s/{token}", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and "Please check 2 answers" in page
    # Each error names its question, and the summary takes the focus when the page loads.
    assert re.search(r'<div class="summary" role="alert" [^>]*tabindex="-1" [^>]*autofocus>', page)
    assert re.search(r'<a href="#in-worn_out-1">Question \d+, “I feel worn out at the end of '
                     r'the working day.”: Choose an answer.</a>', page)
    assert re.search(r'<a href="#in-recommend_workplace-1">Question \d+, “How likely[^<]*”: '
                     r'Choose one of the answers shown.</a>', page)
    assert "Missing data for required field." not in page
    assert re.search(r'<fieldset id="q-worn_out" class="choices invalid" aria-invalid="true" '
                     r'aria-describedby="err-worn_out">', page)
    assert '<p class="error" id="err-recommend_workplace">' in page
    assert 'value="4" checked' in page  # job_security kept
    assert "Keep this &lt;text&gt;</textarea>" in page
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM responses")).scalar() == 0
    form["worn_out"], form["recommend_workplace"] = "4", "9"
    thanks = client.post(f"/s/{token}", data=form)
    assert thanks.status_code == 201 and "Thank you" in thanks.get_data(as_text=True)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT answers FROM responses")).scalar()
    assert '"comment": "Keep this <text>"' in stored and '"recommend_workplace": 9' in stored
    used = client.get(f"/s/{token}")
    assert used.status_code == 409 and "already been used" in used.get_data(as_text=True)


def test_customer_form_shows_choice_labels_and_unknown_tokens_get_a_page(client, app):
    survey = client.survey(title="After chat", template="ai-interaction", segments=["channel"])
    link = client.ok("POST", f"/api/v1/surveys/{survey['id']}/links", 201,
                     json={"interaction_id": "i-1", "segment": {"channel": "chat"}})
    page = client.get(f"/s/{link['token']}").get_data(as_text=True)
    assert "A person" in page and "I would avoid AI" in page
    missing = client.get("/s/unknown-token")
    assert missing.status_code == 404 and missing.mimetype == "text/html"


def test_form_numbers_are_plain_ascii_digits_only(client, engine):
    _, token = _token(client)
    form = {k: str(v) for k, v in PULSE_ANSWERS.items()}
    for odd in ("\u0664", "+4", " 4 ", "04"):
        answer = client.post(f"/s/{token}", data={**form, "job_security": odd})
        assert answer.status_code == 422, odd
        assert '<p class="error" id="err-job_security">' in answer.get_data(as_text=True)
    answer = client.post(f"/s/{token}", data={**form, "comment": "a\x00b"})
    assert answer.status_code == 422
    assert '<p class="error" id="err-comment">' in answer.get_data(as_text=True)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM responses")).scalar() == 0
    assert client.post(f"/s/{token}", data=form).status_code == 201
