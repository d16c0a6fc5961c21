"""The IRC door's unit tests, run on two Redis-backed nodes (issue 36).

Each class here is one of the IRC door's test classes with
:class:`tests.cluster.two_nodes.IRCDoorOnTwoNodes` before it: the same tests, the
users of each spread over two nodes sharing a ``redis-server``. Left out:
the tests marked ``in_process_only`` (they look inside the in-process
back-end), and ``PresenceSharedBeforeAnswerTests``, which holds the
in-process back-end's presence writes to prove the door waits for them (on
two nodes every test waits for real ones).
"""

from __future__ import annotations

from tests.backends.local import test_reactions
from tests.cluster.two_nodes import IRCDoorOnTwoNodes
from tests.doors.irc import (
    test_irc,
    test_irc_account_caps,
    test_irc_admins,
    test_irc_app_passwords,
    test_irc_bad_input,
    test_irc_big_room,
    test_irc_bots,
    test_irc_channel_numerics,
    test_irc_chathistory_private,
    test_irc_conformance,
    test_irc_devices,
    test_irc_event_playback,
    test_irc_extensions_more,
    test_irc_formatting,
    test_irc_invitations,
    test_irc_list_times,
    test_irc_memory,
    test_irc_metadata,
    test_irc_moderation,
    test_irc_modlog,
    test_irc_notify,
    test_irc_oauthbearer,
    test_irc_operators,
    test_irc_passphrases,
    test_irc_plain_words,
    test_irc_private,
    test_irc_queries,
    test_irc_reactions,
    test_irc_read_marker,
    test_irc_redaction,
    test_irc_relay,
    test_irc_replay_positions,
    test_irc_replies,
    test_irc_reports,
    test_irc_room_modes,
    test_irc_scram,
    test_irc_services,
    test_irc_statusmsg,
    test_irc_targets,
    test_irc_threads,
    test_irc_tokens,
    test_irc_truncation,
    test_irc_v3_conformance,
    test_irc_webpush,
    test_irc_whox,
    test_ircv3,
    test_ircv3_history,
)
from tests.doors.web import test_irc_websocket


class IRCRegistrationOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc.IRCRegistrationTests):
    """``test_irc.IRCRegistrationTests`` on two nodes."""


class ChannelOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc.ChannelTests):
    """``test_irc.ChannelTests`` on two nodes."""


class AccountTagOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_account_caps.AccountTagTests
):
    """``test_irc_account_caps.AccountTagTests`` on two nodes."""


class ExtendedJoinOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_account_caps.ExtendedJoinTests
):
    """``test_irc_account_caps.ExtendedJoinTests`` on two nodes."""


class AccountNotifyOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_account_caps.AccountNotifyTests
):
    """``test_irc_account_caps.AccountNotifyTests`` on two nodes."""


class SaslAfterRegistrationOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_account_caps.SaslAfterRegistrationTests
):
    """``test_irc_account_caps.SaslAfterRegistrationTests`` on two nodes."""


class AdminOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_admins.AdminTests):
    """``test_irc_admins.AdminTests`` on two nodes."""


class ReportsOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_reports.ReportTests):
    """``test_irc_reports.ReportTests`` on two nodes: a report and its
    closing reach the moderators of the other node."""


class IRCBadInputOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_bad_input.IRCBadInputTests
):
    """``test_irc_bad_input.IRCBadInputTests`` on two nodes."""


class IRCBigRoomOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_big_room.IRCBigRoomTests):
    """``test_irc_big_room.IRCBigRoomTests`` on two nodes."""


class MissingTargetOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_channel_numerics.MissingTargetTests
):
    """``test_irc_channel_numerics.MissingTargetTests`` on two nodes."""


class KeyAndInviteOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_channel_numerics.KeyAndInviteTests
):
    """``test_irc_channel_numerics.KeyAndInviteTests`` on two nodes."""


class OperatorStepsDownOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_channel_numerics.OperatorStepsDownTests
):
    """``test_irc_channel_numerics.OperatorStepsDownTests`` on two nodes."""


class SecretChannelOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_channel_numerics.SecretChannelTests
):
    """``test_irc_channel_numerics.SecretChannelTests`` on two nodes."""


class PrivateChathistoryOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_chathistory_private.PrivateChathistoryTests
):
    """``test_irc_chathistory_private.PrivateChathistoryTests`` on two nodes."""


class IRCConformanceQuitOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_conformance.IRCConformanceQuitTests
):
    """``test_irc_conformance.IRCConformanceQuitTests`` on two nodes."""


class PingKickInviteOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_conformance.PingKickInviteTests
):
    """``test_irc_conformance.PingKickInviteTests`` on two nodes."""


class EncodingAndLimitsOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_conformance.EncodingAndLimitsTests
):
    """``test_irc_conformance.EncodingAndLimitsTests`` on two nodes."""


class WhoisWhowasAwayOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_conformance.WhoisWhowasAwayTests
):
    """``test_irc_conformance.WhoisWhowasAwayTests`` on two nodes."""


class MonitorAndListOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_conformance.MonitorAndListTests
):
    """``test_irc_conformance.MonitorAndListTests`` on two nodes."""


class ServerPasswordOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_conformance.ServerPasswordTests
):
    """``test_irc_conformance.ServerPasswordTests`` on two nodes."""


class IRCDeviceOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_devices.IRCDeviceTests):
    """``test_irc_devices.IRCDeviceTests`` on two nodes."""


class EventPlaybackOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_event_playback.EventPlaybackTests
):
    """``test_irc_event_playback.EventPlaybackTests`` on two nodes."""


class TagPlaybackOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_event_playback.TagPlaybackTests
):
    """``test_irc_event_playback.TagPlaybackTests`` on two nodes."""


class ExtendedMonitorOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_extensions_more.ExtendedMonitorTests
):
    """``test_irc_extensions_more.ExtendedMonitorTests`` on two nodes."""


class WatchedAtEveryDoorOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_extensions_more.WatchedAtEveryDoorTests
):
    """``test_irc_extensions_more.WatchedAtEveryDoorTests`` on two nodes."""


class BotModeOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_extensions_more.BotModeTests):
    """``test_irc_extensions_more.BotModeTests`` on two nodes."""


class HelpAndLinksOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_extensions_more.HelpAndLinksTests
):
    """``test_irc_extensions_more.HelpAndLinksTests`` on two nodes."""


class ListTimeOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_list_times.ListTimeTests):
    """``test_irc_list_times.ListTimeTests`` on two nodes."""


class IdleIRCMemoryOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_memory.IdleIRCMemoryTests
):
    """``test_irc_memory.IdleIRCMemoryTests`` on two nodes."""


class IRCModerationSignInOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_moderation.IRCModerationSignInTests
):
    """``test_irc_moderation.IRCModerationSignInTests`` on two nodes."""


class RequireAccountOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_moderation.RequireAccountTests
):
    """``test_irc_moderation.RequireAccountTests`` on two nodes."""


class IRCModerationOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_moderation.IRCModerationTests
):
    """``test_irc_moderation.IRCModerationTests`` on two nodes."""


class IRCModlogOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_modlog.IRCModlogTests):
    """``test_irc_modlog.IRCModlogTests`` on two nodes."""


class SetnameOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_notify.SetnameTests):
    """``test_irc_notify.SetnameTests`` on two nodes."""


class AwayOnJoinOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_notify.AwayOnJoinTests):
    """``test_irc_notify.AwayOnJoinTests`` on two nodes."""


class MultilineOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_notify.MultilineTests):
    """``test_irc_notify.MultilineTests`` on two nodes."""


class OperOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_operators.OperTests):
    """``test_irc_operators.OperTests`` on two nodes."""


class UserModeOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_operators.UserModeTests):
    """``test_irc_operators.UserModeTests`` on two nodes."""


class WallopsOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_operators.WallopsTests):
    """``test_irc_operators.WallopsTests`` on two nodes."""


class OperatorShownOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_operators.OperatorShownTests
):
    """``test_irc_operators.OperatorShownTests`` on two nodes."""


class KeptPrivateMessagesOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_private.KeptPrivateMessagesTests
):
    """``test_irc_private.KeptPrivateMessagesTests`` on two nodes."""


class IRCWhoOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_queries.IRCWhoTests):
    """``test_irc_queries.IRCWhoTests`` on two nodes."""


class ServerQueryOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_queries.ServerQueryTests):
    """``test_irc_queries.ServerQueryTests`` on two nodes."""


class IRCReactionOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_reactions.IRCReactionTests
):
    """``test_irc_reactions.IRCReactionTests`` on two nodes."""


class IRCReadMarkerOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_read_marker.IRCReadMarkerTests
):
    """``test_irc_read_marker.IRCReadMarkerTests`` on two nodes."""


class RedactionOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_redaction.RedactionTests):
    """``test_irc_redaction.RedactionTests`` on two nodes."""


class NoticeOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_relay.NoticeTests):
    """``test_irc_relay.NoticeTests`` on two nodes."""


class ClientTagOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_relay.ClientTagTests):
    """``test_irc_relay.ClientTagTests`` on two nodes."""


class TagBudgetOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_relay.TagBudgetTests):
    """``test_irc_relay.TagBudgetTests`` on two nodes."""


class IRCReplyOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_replies.IRCReplyTests):
    """``test_irc_replies.IRCReplyTests`` on two nodes."""


class IRCThreadOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_threads.IRCThreadTests):
    """``test_irc_threads.IRCThreadTests`` on two nodes."""


class PlainWordsOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_plain_words.PlainWordsTests
):
    """``test_irc_plain_words.PlainWordsTests`` on two nodes."""


class KeptChoiceOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_plain_words.KeptChoiceTests
):
    """``test_irc_plain_words.KeptChoiceTests`` on two nodes."""


class ReplayPositionOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_replay_positions.ReplayPositionTests
):
    """``test_irc_replay_positions.ReplayPositionTests`` on two nodes: an
    account's sessions come in through both nodes in turn."""


class IRCMetadataOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_metadata.IRCMetadataTests):
    """``test_irc_metadata.IRCMetadataTests`` on two nodes."""


class IRCRoomModesOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_room_modes.IRCRoomModesTests
):
    """``test_irc_room_modes.IRCRoomModesTests`` on two nodes."""


class ScramSignInOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_scram.ScramSignInTests):
    """``test_irc_scram.ScramSignInTests`` on two nodes."""


class IRCScramKeysOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_scram.IRCScramKeysTests):
    """``test_irc_scram.IRCScramKeysTests`` on two nodes."""


class ReservedNamesOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_services.ReservedNamesTests
):
    """``test_irc_services.ReservedNamesTests`` on two nodes."""


class NickServOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_services.NickServTests):
    """``test_irc_services.NickServTests`` on two nodes."""


class AccountRegistrationOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_services.AccountRegistrationTests
):
    """``test_irc_services.AccountRegistrationTests`` on two nodes."""


class RegisterBeforeConnectOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_services.RegisterBeforeConnectTests
):
    """``test_irc_services.RegisterBeforeConnectTests`` on two nodes."""


class StatusmsgOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_statusmsg.StatusmsgTests):
    """``test_irc_statusmsg.StatusmsgTests`` on two nodes."""


class MultiNamesOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_targets.MultiNamesTests):
    """``test_irc_targets.MultiNamesTests`` on two nodes."""


class MultiKickOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_targets.MultiKickTests):
    """``test_irc_targets.MultiKickTests`` on two nodes."""


class CutTextOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_truncation.CutTextTests):
    """``test_irc_truncation.CutTextTests`` on two nodes."""


class OneLineCutOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_truncation.OneLineCutTests):
    """``test_irc_truncation.OneLineCutTests`` on two nodes."""


class RelayedConformanceOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_v3_conformance.RelayedConformanceTests
):
    """``test_irc_v3_conformance.RelayedConformanceTests`` on two nodes."""


class LabeledConformanceOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_v3_conformance.LabeledConformanceTests
):
    """``test_irc_v3_conformance.LabeledConformanceTests`` on two nodes."""


class RegistrationConformanceOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_v3_conformance.RegistrationConformanceTests
):
    """``test_irc_v3_conformance.RegistrationConformanceTests`` on two nodes."""


class IRCWebPushOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_webpush.IRCWebPushTests):
    """``test_irc_webpush.IRCWebPushTests`` on two nodes."""


class SubprotocolOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_websocket.SubprotocolTests
):
    """``test_irc_websocket.SubprotocolTests`` on two nodes."""


class IRCOverWebSocketFramingOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_websocket.IRCOverWebSocketFramingTests
):
    """``test_irc_websocket.IRCOverWebSocketFramingTests`` on two nodes."""


class WhoxOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_whox.WhoxTests):
    """``test_irc_whox.WhoxTests`` on two nodes."""


class WhoPrivacyOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_whox.WhoPrivacyTests):
    """``test_irc_whox.WhoPrivacyTests`` on two nodes."""


class NegotiationOnTwoNodesTests(IRCDoorOnTwoNodes, test_ircv3.NegotiationTests):
    """``test_ircv3.NegotiationTests`` on two nodes."""


class TagsOnTwoNodesTests(IRCDoorOnTwoNodes, test_ircv3.TagsTests):
    """``test_ircv3.TagsTests`` on two nodes."""


class ReplayOnTwoNodesTests(IRCDoorOnTwoNodes, test_ircv3_history.ReplayTests):
    """``test_ircv3_history.ReplayTests`` on two nodes."""


class ChathistoryOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_ircv3_history.ChathistoryTests
):
    """``test_ircv3_history.ChathistoryTests`` on two nodes."""


class LabeledOnTwoNodesTests(IRCDoorOnTwoNodes, test_ircv3_history.LabeledTests):
    """``test_ircv3_history.LabeledTests`` on two nodes."""


class IRCv3HistoryLongLineOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_ircv3_history.IRCv3HistoryLongLineTests
):
    """``test_ircv3_history.IRCv3HistoryLongLineTests`` on two nodes."""


class ReactionsInHistoryOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_ircv3_history.ReactionsInHistoryTests
):
    """``test_ircv3_history.ReactionsInHistoryTests`` on two nodes."""


class IRCMemberOnTwoNodesTests(IRCDoorOnTwoNodes, test_reactions.IRCMemberTests):
    """``test_reactions.IRCMemberTests`` on two nodes."""


class IRCFormattingInOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_formatting.IRCFormattingInTests
):
    """``test_irc_formatting.IRCFormattingInTests`` on two nodes."""


class IRCFormattingOutOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_formatting.IRCFormattingOutTests
):
    """``test_irc_formatting.IRCFormattingOutTests`` on two nodes."""


class NoImplicitNamesOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_tokens.NoImplicitNamesTests
):
    """``test_irc_tokens.NoImplicitNamesTests`` on two nodes."""


class PreAwayOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_tokens.PreAwayTests):
    """``test_irc_tokens.PreAwayTests`` on two nodes."""


class ExtendedIsupportOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_tokens.ExtendedIsupportTests
):
    """``test_irc_tokens.ExtendedIsupportTests`` on two nodes."""


class StandardRepliesOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_tokens.StandardRepliesTests
):
    """``test_irc_tokens.StandardRepliesTests`` on two nodes."""


class AccountExtbanOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_tokens.AccountExtbanTests
):
    """``test_irc_tokens.AccountExtbanTests`` on two nodes."""


class STSOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_tokens.STSTests):
    """``test_irc_tokens.STSTests`` on two nodes."""


class AppPasswordOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_app_passwords.AppPasswordTests
):
    """``test_irc_app_passwords.AppPasswordTests`` on two nodes: made on one,
    SASL PLAIN on either."""


class BotAccountOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_bots.IRCBotAccountTests):
    """``test_irc_bots.IRCBotAccountTests`` on two nodes: a bot made on one
    signs in on either, marked at both."""


class RelayMsgOnTwoNodesTests(IRCDoorOnTwoNodes, test_irc_bots.RelayMsgTests):
    """``test_irc_bots.RelayMsgTests`` on two nodes: a relay on one seen on
    the other, at both doors."""


class MailSettingOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_app_passwords.MailSettingTests
):
    """``test_irc_app_passwords.MailSettingTests`` on two nodes."""


class RequireEmailOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_services.RequireEmailTests
):
    """``test_irc_services.RequireEmailTests`` on two nodes: REGISTER and
    VERIFY, and NickServ's, the account's mailbox in Redis."""


class RequireEmailScramOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_scram.RequireEmailScramTests
):
    """``test_irc_scram.RequireEmailScramTests`` on two nodes."""


class InviteOnlyOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_invitations.InviteOnlyTests
):
    """``test_irc_invitations.InviteOnlyTests`` on two nodes."""


class RegistrationClosedOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_invitations.ClosedTests
):
    """``test_irc_invitations.ClosedTests`` on two nodes."""


class OAuthBearerOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_oauthbearer.OAuthBearerTests
):
    """``test_irc_oauthbearer.OAuthBearerTests`` on two nodes: the account
    bound to the subject kept in Redis."""


class NickServPassphraseOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_passphrases.NickServPassphraseTests
):
    """``test_irc_passphrases.NickServPassphraseTests`` on two nodes."""


class RegisterAndPassPassphraseOnTwoNodesTests(
    IRCDoorOnTwoNodes, test_irc_passphrases.RegisterAndPassPassphraseTests
):
    """``test_irc_passphrases.RegisterAndPassPassphraseTests`` on two nodes."""
