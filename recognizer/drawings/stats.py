"""The shape of /api/stats/: counts, accuracy, the browser's agreement, reviewers' figures."""

from rest_framework import serializers


class DigitAccuracySerializer(serializers.Serializer):
    digit = serializers.IntegerField()
    labelled = serializers.IntegerField()
    accuracy = serializers.FloatField(allow_null=True)


class VersionAccuracySerializer(serializers.Serializer):
    model_version = serializers.CharField()
    total = serializers.IntegerField(help_text="Drawings this version read.")
    uncertain = serializers.IntegerField(help_text="Of them, flagged as not sure.")
    labelled = serializers.IntegerField()
    correct = serializers.IntegerField()
    accuracy = serializers.FloatField(allow_null=True)


class BrowserAgreementSerializer(serializers.Serializer):
    readings = serializers.IntegerField(help_text="Stored drawings the browser also read.")
    same_version = serializers.IntegerField(
        help_text="Of them, read by the browser with the version the server read them with."
    )
    disagreements = serializers.IntegerField(
        help_text="Of those, drawings where the browser showed another digit than the server read."
    )


class ReviewerSerializer(serializers.Serializer):
    reviewer = serializers.CharField(help_text="The reviewer's username.")
    reviewed = serializers.IntegerField(help_text="Drawings they labelled.")
    compared = serializers.IntegerField(
        help_text="Times another reviewer also labelled one of those drawings."
    )
    agreed = serializers.IntegerField(help_text="Of those, times both gave the same label.")
    agreement = serializers.FloatField(allow_null=True, help_text="agreed / compared")
    drawer_answers = serializers.IntegerField(
        help_text="Drawings they labelled that carried the drawer's own answer."
    )
    overturned = serializers.IntegerField(help_text="Of those, times they gave another label.")
    overturn_rate = serializers.FloatField(allow_null=True, help_text="overturned / drawer_answers")


class DrawerAnswerSerializer(serializers.Serializer):
    answer = serializers.IntegerField(
        help_text='The drawer\'s answer: 0-9, or 10 for "not a digit".'
    )
    reviewed = serializers.IntegerField(help_text="Drawings with that answer a reviewer settled.")
    overturned = serializers.IntegerField(help_text="Of them, settled on another label.")
    overturn_rate = serializers.FloatField(allow_null=True, help_text="overturned / reviewed")


class WaitingSerializer(serializers.Serializer):
    likely_wrong = serializers.IntegerField(
        help_text="Labels the model finds likely wrong that no reviewer has settled."
    )
    second_opinion = serializers.IntegerField(help_text="Labels awaiting a second reviewer.")


class ReviewFiguresSerializer(serializers.Serializer):
    reviewers = ReviewerSerializer(many=True)
    drawer_answers = DrawerAnswerSerializer(many=True)
    waiting = WaitingSerializer(help_text="Labels held out of training until a person looks.")


class StatsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Drawings stored.")
    uncertain = serializers.IntegerField(help_text="Drawings the model was not sure about.")
    not_a_digit = serializers.IntegerField(help_text='Drawings labelled "not a digit".')
    labelled = serializers.IntegerField(
        help_text='Drawings with a label: their true digit, or "not a digit".'
    )
    correct = serializers.IntegerField(
        help_text='Labelled drawings the model read right (agreeing "not a digit" included).'
    )
    accuracy = serializers.FloatField(allow_null=True, help_text="correct / labelled")
    per_digit = DigitAccuracySerializer(many=True)
    per_model_version = VersionAccuracySerializer(many=True)
    confusion_matrix = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text='Rows: true digit; columns: the model\'s answer, digits 0-9 then "not a digit".',
    )
    browser = BrowserAgreementSerializer(
        help_text="The page's own readings against the server's (expected: no disagreement)."
    )
    review = ReviewFiguresSerializer(
        allow_null=True,
        help_text="Reviewers' figures, for reviewers and auditors; null for anyone else.",
    )
