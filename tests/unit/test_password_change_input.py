"""An owner's password change read from its form: as typed, for the service to judge."""
from accounts.inputs import PasswordChange, read_password_change


def test_the_three_inputs_are_read_as_typed_and_never_trimmed():
    change = read_password_change({"current_password": " old-pass-1 ",
                                   "new_password": "new-pass-2", "confirm_password": "new-pass-2"})
    assert change == PasswordChange(current=" old-pass-1 ", new="new-pass-2",
                                    confirm="new-pass-2")


def test_a_missing_input_reads_as_empty():
    assert read_password_change({"new_password": "new-pass-2"}) == PasswordChange(
        current="", new="new-pass-2", confirm="")


def test_an_input_that_is_not_text_reads_as_empty():
    change = read_password_change({"current_password": 12345678, "new_password": ["x"],
                                   "confirm_password": None})
    assert change == PasswordChange(current="", new="", confirm="")


def test_the_passwords_stay_out_of_the_values_repr():
    assert "secret" not in repr(read_password_change({"current_password": "secret-1",
                                                      "new_password": "secret-2",
                                                      "confirm_password": "secret-2"}))
